"""`yanxun review ...` without Django (src/yanxun/cli.py routes here before Django starts).

    yanxun review aggregate SCORES.csv [--method mean|trimmed|zscore] [--trim-min 5]
                            [--max-spread POINTS] [--corr-min 0.2] [--offset-sd 2]
                            --json OUT.json
    yanxun review assign ENTRIES.csv JUDGES.csv --per-entry 3 [--conflicts PAIRS.csv]
                         [--pins PAIRS.csv] [--max-load N] [--seed N] --json OUT.json

Exit status: 0 done; 1 assignment infeasible (OUT still written, with the reasons);
2 bad input or arguments (a Chinese message on stderr, OUT not written).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from yanxun.review import aggregate as agg
from yanxun.review.assignment import Assignment, assign_judges


class InputError(Exception):
    """Bad input: the message (Chinese) goes to stderr and the exit status is 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"命令参数有误：{message}\n")


# --- reading CSV files -------------------------------------------------------------------


def _read_text(path: str) -> str:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"无法读取文件 {path}：{exc.strerror or exc}") from exc
    for encoding in ("utf-8-sig", "gb18030"):  # Excel on Chinese Windows saves GBK
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(f"文件 {path} 的编码无法识别，请另存为 UTF-8 编码的 CSV")


def read_table(path: str, required: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
    """(line number, {column: stripped text}) per non-blank row; `required` columns must
    exist in the header (names are matched case-insensitively, spaces ignored)."""
    text = _read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next((row for row in reader if any(cell.strip() for cell in row)), None)
    if header is None:
        raise InputError(f"文件 {path} 为空")
    names = [cell.strip().lower() for cell in header]
    missing = [name for name in required if name not in names]
    if missing:
        raise InputError(f"文件 {path} 缺少列：{', '.join(missing)}（需要 {', '.join(required)}）")
    rows = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(names):
            row = row + [""] * (len(names) - len(row))
        rows.append((reader.line_num, {n: row[i].strip() for i, n in enumerate(names) if n}))
    if not rows:
        raise InputError(f"文件 {path} 只有表头，没有数据")
    return rows


def _required(line: int, row: dict[str, str], column: str, label: str) -> str:
    if not row[column]:
        raise InputError(f"第 {line} 行：缺少{label}（{column} 列为空）")
    return row[column]


def parse_score(line: int, text: str) -> float | None:
    """'' means not scored (弃权); anything else must be a finite number."""
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"第 {line} 行：评分“{text}”不是数字") from None
    if not math.isfinite(value):
        raise InputError(f"第 {line} 行：评分“{text}”不是有效数字")
    return value


def read_scores(path: str) -> agg.ScoreSheet:
    rows = read_table(path, ("entry", "judge", "score"))
    records, lines = [], []
    for line, row in rows:
        entry = _required(line, row, "entry", "作品编号")
        judge = _required(line, row, "judge", "评委编号")
        records.append((entry, judge, parse_score(line, row["score"])))
        lines.append(line)
    try:
        return agg.ScoreSheet.from_rows(records)
    except agg.ScoreInputError as exc:
        entry, judge, _ = records[exc.position]
        first = next(lines[i] for i, r in enumerate(records) if r[:2] == (entry, judge))
        message = f"第 {lines[exc.position]} 行：作品 {entry} 与评委 {judge} 的评分重复（第 {first} 行已有）"
        raise InputError(message) from None


# --- writing JSON -------------------------------------------------------------------------


def r4(value: float | None) -> float | None:
    """Rounded to 4 decimals (the rank-comparison rounding); -0.0 becomes 0.0."""
    return None if value is None else float(agg.round_half_even(value)) + 0.0


def report_json(report: agg.RoundReport) -> dict[str, Any]:
    icc = report.icc
    return {
        "method": report.method,
        "trim_min": report.trim_min,
        "entries": [
            {"entry": e.entry, "n_scores": e.n_scores, "final": r4(e.final), "rank": e.rank}
            for e in report.entries
        ],
        "icc": {key: r4(getattr(icc, key)) if icc else None for key in agg.ICC_KEYS},
        "icc_verdict": report.verdict,
        "judges": [
            {
                "judge": j.judge,
                "n": j.n,
                "mean_offset": r4(j.mean_offset),
                "consensus_corr": r4(j.consensus_corr),
                "outlier": j.outlier,
            }
            for j in report.judges
        ],
        "flags": _flags_json(report),
    }


def _flags_json(report: agg.RoundReport) -> dict[str, Any]:
    fallback = set(report.zscore_fallback)
    judges = []
    for stats in report.judges:
        reasons = [*stats.reasons, *(["zscore_fallback"] if stats.judge in fallback else [])]
        if reasons:
            judges.append({"judge": stats.judge, "reasons": reasons})
    return {
        "spread_threshold": r4(report.spread_threshold),
        "entries": [{"entry": e, "spread": r4(s)} for e, s in report.wide_spread],
        "judges": judges,
    }


def write_json(path: str, payload: dict[str, Any]) -> None:
    """Write atomically: a reader never sees half a file, a failure leaves no file."""
    target = Path(path)
    text = json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
    try:
        handle, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"无法写入 {path}：{exc.strerror or exc}") from exc
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"无法写入 {path}：{exc.strerror or exc}") from exc


# --- commands -----------------------------------------------------------------------------


def _aggregate(options: argparse.Namespace) -> int:
    if options.trim_min < 3:
        raise InputError("--trim-min 至少为 3（去掉最高分和最低分后至少还要剩一个分数）")
    sheet = read_scores(options.scores)
    report = agg.round_report(
        sheet,
        method=options.method,
        trim_min=options.trim_min,
        corr_min=options.corr_min,
        offset_sd=options.offset_sd,
        max_spread=options.max_spread,
    )
    write_json(options.json, report_json(report))
    print(
        f"已汇总 {len(sheet.entries)} 件作品、{len(sheet.judges)} 位评委（方法：{options.method}），"
        f"结果写入 {options.json}\n{report.verdict}"
    )
    return 0


def _read_people(path: str, key: str, label: str) -> dict[str, tuple[str, str]]:
    """{id: (school, education group)} from a CSV with columns key[, school, group]."""
    people: dict[str, tuple[str, str]] = {}
    for line, row in read_table(path, (key,)):
        ident = _required(line, row, key, label)
        if ident in people:
            raise InputError(f"第 {line} 行：{label} {ident} 重复")
        people[ident] = (row.get("school", ""), row.get("group", ""))
    return people


def _read_pairs(path: str | None, judges: dict, entries: dict) -> set[tuple[str, str]]:
    if path is None:
        return set()
    pairs = set()
    for line, row in read_table(path, ("judge", "entry")):
        judge = _required(line, row, "judge", "评委编号")
        entry = _required(line, row, "entry", "作品编号")
        if judge not in judges or entry not in entries:
            raise InputError(f"第 {line} 行：评委 {judge} 或作品 {entry} 不在名单中（{path}）")
        pairs.add((judge, entry))
    return pairs


def same_unit_conflicts(
    entries: dict[str, tuple[str, str]], judges: dict[str, tuple[str, str]]
) -> set[tuple[str, str]]:
    """(judge, entry) pairs sharing a non-empty school or education group."""
    by_unit: dict[tuple[int, str], list[str]] = {}
    for entry, units in entries.items():
        for slot, unit in enumerate(units):
            if unit:
                by_unit.setdefault((slot, unit), []).append(entry)
    return {
        (judge, entry)
        for judge, units in judges.items()
        for slot, unit in enumerate(units)
        if unit
        for entry in by_unit.get((slot, unit), ())
    }


def assignment_json(result: Assignment) -> dict[str, Any]:
    return {
        "feasible": result.feasible,
        "max_load": result.max_load,
        "min_load": result.min_load,
        "entries": [{"entry": e, "judges": list(js)} for e, js in result.pairs.items()],
        "loads": [{"judge": j, "load": n} for j, n in result.loads.items()],
        "shortfalls": [
            {
                "reason": s.reason,
                "entry": s.entry,
                "judges": list(s.judges),
                "needed": s.needed,
                "available": s.available,
                "message": s.message,
            }
            for s in result.shortfalls
        ],
    }


def _assign(options: argparse.Namespace) -> int:
    if options.per_entry < 1:
        raise InputError("--per-entry 至少为 1")
    entries = _read_people(options.entries, "entry", "作品编号")
    judges = _read_people(options.judges, "judge", "评委编号")
    forbidden = same_unit_conflicts(entries, judges)
    forbidden |= _read_pairs(options.conflicts, judges, entries)
    pins = _read_pairs(options.pins, judges, entries)
    result = assign_judges(
        list(entries),
        list(judges),
        options.per_entry,
        forbidden=forbidden,
        pinned=pins,
        max_load=options.max_load,
        seed=options.seed,
    )
    write_json(options.json, assignment_json(result))
    if not result.feasible:
        print("\n".join(s.message for s in result.shortfalls), file=sys.stderr)
        return 1
    print(f"已分配 {len(entries)} 件作品，每位评委 {result.min_load}–{result.max_load} 件")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="yanxun review", description="评审计算（无需数据库）")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    agg_cmd = commands.add_parser("aggregate", help="汇总评分：最终得分、排名、评委一致性")
    agg_cmd.add_argument("scores", metavar="SCORES.csv", help="列：entry, judge, score")
    agg_cmd.add_argument("--method", choices=agg.METHODS, default="mean")
    agg_cmd.add_argument("--trim-min", type=int, default=5, help="至少几个分数才去掉最高最低分")
    agg_cmd.add_argument(
        "--max-spread",
        type=float,
        default=None,
        help="极差超过此分数的作品标记；默认为全部评分标准差的 2 倍",
    )
    agg_cmd.add_argument("--corr-min", type=float, default=0.2, help="一致性相关低于此值的评委标记")
    agg_cmd.add_argument("--offset-sd", type=float, default=2.0, help="平均偏差超过几个标准差标记")
    agg_cmd.add_argument("--json", required=True, metavar="OUT.json")
    agg_cmd.set_defaults(run=_aggregate)
    assign_cmd = commands.add_parser("assign", help="分配评委：回避冲突、每件 k 位、负载均衡")
    assign_cmd.add_argument("entries", metavar="ENTRIES.csv", help="列：entry[, school, group]")
    assign_cmd.add_argument("judges", metavar="JUDGES.csv", help="列：judge[, school, group]")
    assign_cmd.add_argument("--per-entry", type=int, required=True, help="每件作品的评委人数")
    assign_cmd.add_argument("--conflicts", metavar="PAIRS.csv", help="另行回避的 judge, entry")
    assign_cmd.add_argument("--pins", metavar="PAIRS.csv", help="必须分配的 judge, entry")
    assign_cmd.add_argument("--max-load", type=int, default=None, help="每位评委最多几件")
    assign_cmd.add_argument("--seed", type=int, default=None, help="随机种子（公平打乱顺序）")
    assign_cmd.add_argument("--json", required=True, metavar="OUT.json")
    assign_cmd.set_defaults(run=_assign)
    return parser


def main(args: list[str]) -> int:
    try:
        options = build_parser().parse_args(args)
    except SystemExit as exc:  # --help (0) or bad arguments (2, message already printed)
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return options.run(options)
    except InputError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
