"""`yanxun quality analyze|value-added ...`: database-free commands (Django is never started).

    yanxun quality analyze SCORES --full-marks 语文=150,数学=150 [--lines excellent=0.85,...]
        [--top 10,50,100] [--elective 物理,化学] [--items ITEMS.xlsx] [--teachers T.xlsx]
        --json OUT.json [--xlsx OUT.xlsx]
    yanxun quality value-added --intake A --outcome B --subject NAME [--full-marks ...]
        [--key 学籍号|考号] --json OUT.json

Bad input: exit status 2, a Chinese message on stderr naming file, row and column, and no
output file written (outputs go to a temporary file renamed at the very end).
"""

from __future__ import annotations

import argparse
import re
import sys
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path

from yanxun.quality.scores_io import InputError, QualityError

ARGPARSE_WORDS = [
    (r"the following arguments are required: (.*)", r"缺少参数：\1"),
    (r"unrecognized arguments: (.*)", r"无法识别的参数：\1"),
    (r"argument (\S+): expected one argument", r"参数 \1 需要一个值"),
    (r"argument (\S+): invalid choice: (.*)", r"参数 \1 的取值无效：\2"),
    (r"invalid choice: (.*)", r"无效的子命令：\1"),
]


class ChineseParser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's words, translated where we know them
        for pattern, replacement in ARGPARSE_WORDS:
            message = re.sub(pattern, replacement, message)
        raise InputError(f"命令参数有误：{message}（用法见 yanxun quality {self.prog.split()[-1]} -h）")


# ---------------------------------------------------------------------------------------
# Option values
# ---------------------------------------------------------------------------------------


def _decimal(text: str, option: str) -> Fraction:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise InputError(f"参数 {option}：「{text}」不是数字") from None
    if not value.is_finite():
        raise InputError(f"参数 {option}：「{text}」不是数字")
    return Fraction(value)


def _pairs(text: str, option: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in re.split(r"[,，]", text))):
        name, sep, value = part.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise InputError(f"参数 {option}：「{part}」应写成 名称=数值")
        if name.strip() in pairs:
            raise InputError(f"参数 {option}：「{name.strip()}」重复")
        pairs[name.strip()] = value.strip()
    if not pairs:
        raise InputError(f"参数 {option} 不能为空")
    return pairs


def parse_full_marks(text: str) -> dict[str, Fraction]:
    fulls = {}
    for name, value in _pairs(text, "--full-marks").items():
        full = _decimal(value, "--full-marks")
        if full <= 0 or (full * 100).denominator != 1:
            raise InputError(f"参数 --full-marks：「{name}」的满分应为正数，最多两位小数")
        fulls[name] = full
    return fulls


def parse_lines(text: str | None):
    from yanxun.quality.engine import Lines

    if not text:
        return Lines()
    names = {"excellent": "excellent", "good": "good", "pass": "pass_", "low": "low"}
    values = {}
    for name, value in _pairs(text, "--lines").items():
        if name not in names:
            raise InputError(f"参数 --lines：未知的线「{name}」，可用 excellent、good、pass、low")
        share = _decimal(value, "--lines")
        if not 0 <= share <= 1:
            raise InputError(f"参数 --lines：{name}={value} 应在 0 到 1 之间（满分的比例）")
        values[names[name]] = share
    lines = Lines(**values)
    if not lines.excellent >= lines.good >= lines.pass_ >= lines.low:
        raise InputError("参数 --lines：应满足 excellent ≥ good ≥ pass ≥ low")
    return lines


def parse_share(text: str, option: str) -> Fraction:
    share = _decimal(text, option)
    if not 0 < share <= 1:
        raise InputError(f"参数 {option}：应大于 0 且不超过 1（满分的比例）")
    return share


def parse_top(text: str | None) -> tuple[int, ...]:
    if not text:
        return (10, 50, 100, 500, 1000)
    try:
        values = tuple(int(p) for p in re.split(r"[,，]", text) if p.strip())
    except ValueError:
        raise InputError(f"参数 --top：「{text}」应为逗号分隔的正整数") from None
    if not values or min(values) <= 0:
        raise InputError(f"参数 --top：「{text}」应为逗号分隔的正整数")
    return values


def parse_names(text: str | None) -> frozenset[str]:
    return frozenset(p.strip() for p in re.split(r"[,，]", text or "") if p.strip())


def output_path(text: str, option: str) -> Path:
    path = Path(text)
    if not path.parent.is_dir():
        raise InputError(f"参数 {option}：目录「{path.parent}」不存在")
    return path


# ---------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------


def _analyze(ns: argparse.Namespace) -> int:
    from yanxun.quality import engine, tables
    from yanxun.quality.scores_io import read_scores

    fulls = parse_full_marks(ns.full_marks)
    electives = parse_names(ns.elective)
    unknown = electives - fulls.keys()
    if unknown:
        raise InputError(f"参数 --elective：「{'、'.join(sorted(unknown))}」不在 --full-marks 中")
    json_path = output_path(ns.json, "--json")
    xlsx_path = output_path(ns.xlsx, "--xlsx") if ns.xlsx else None
    lines, top = parse_lines(ns.lines), parse_top(ns.top)
    band = parse_share(ns.band_width, "--band-width")
    near = parse_share(ns.borderline_width, "--borderline-width")
    path = Path(ns.scores)
    table = read_scores(path, fulls={k: engine.hundredths(v) for k, v in fulls.items()},
                        electives=electives)
    items = _read_items(ns.items) if ns.items else None
    assignments = _read_teachers(ns.teachers) if ns.teachers else None
    spec = engine.ExamSpec(
        subjects=tuple(engine.Subject(s, fulls[s], s in electives) for s in table.subjects),
        lines=lines, top=top, band_width=band, borderline_width=near,
    )
    analysis = engine.analyze(table.frame, spec)
    named = analysis.tables()
    if assignments is not None:
        named["teachers"] = tables.teacher_table(analysis, assignments)
    if items is not None:
        named |= items
    doc = tables.document(spec.names, named)
    tables.write_json(json_path, doc)
    if xlsx_path:
        tables.write_xlsx(xlsx_path, named)
    _warn(table.warnings)
    print(f"已分析 {table.frame.height} 名学生、{len(table.subjects)} 个科目，结果写入 {json_path}")
    return 0


def _read_items(text: str):
    from yanxun.quality.items import analyze_workbook

    return analyze_workbook(Path(text))


def _read_teachers(text: str):
    from yanxun.quality.scores_io import read_assignments

    return read_assignments(Path(text))


def _value_added(ns: argparse.Namespace) -> int:
    from yanxun.quality import tables, value_added

    fulls = parse_full_marks(ns.full_marks) if ns.full_marks else None
    json_path = output_path(ns.json, "--json")
    result = value_added.run(
        intake=Path(ns.intake), outcome=Path(ns.outcome), subject=ns.subject.strip(),
        fulls=fulls, key=ns.key,
    )
    tables.write_json(json_path, result.document())
    _warn(result.warnings)
    print(f"已匹配 {result.model['n']} 名学生、{len(result.schools)} 所学校，结果写入 {json_path}")
    return 0


def _warn(warnings: list[str]) -> None:
    for warning in warnings:
        print(f"提示：{warning}", file=sys.stderr)


def build_parser() -> ChineseParser:
    parser = ChineseParser(prog="yanxun quality", description="教学质量监测（无需数据库）")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=ChineseParser)
    analyze = commands.add_parser("analyze", help="计算各项指标")
    analyze.add_argument("scores", metavar="SCORES", help="成绩文件（.xlsx/.xls/.csv，宽表）")
    analyze.add_argument("--full-marks", required=True, help="科目=满分，逗号分隔")
    analyze.add_argument("--lines", help="excellent=0.85,good=0.75,pass=0.6,low=0.4")
    analyze.add_argument("--top", help="前 N 名，逗号分隔（默认 10,50,100,500,1000）")
    analyze.add_argument("--elective", help="选考科目，逗号分隔（空单元格表示未选考）")
    analyze.add_argument("--band-width", default="0.1", help="分数段宽度（满分的比例）")
    analyze.add_argument("--borderline-width", default="0.05", help="临界生范围（满分的比例）")
    analyze.add_argument("--items", help="小题分文件（.xlsx，每科一个工作表）")
    analyze.add_argument("--teachers", help="班级–学科–教师表（学校、班级、科目、教师）")
    analyze.add_argument("--json", required=True, help="输出 JSON 文件")
    analyze.add_argument("--xlsx", help="输出 Excel 文件（可选）")
    analyze.set_defaults(handler=_analyze)
    added = commands.add_parser("value-added", help="增值评价")
    added.add_argument("--intake", required=True, help="入口考试成绩文件")
    added.add_argument("--outcome", required=True, help="出口考试成绩文件")
    added.add_argument("--subject", required=True, help="科目名，或 总分")
    added.add_argument("--full-marks", help="科目=满分（--subject 总分 时为相加的科目）")
    added.add_argument("--key", choices=["学籍号", "考号"], help="匹配学生所用的列")
    added.add_argument("--json", required=True, help="输出 JSON 文件")
    added.set_defaults(handler=_value_added)
    return parser


def main(args: list[str]) -> int:
    """Exit status 0, 2 for bad input (InputError), 1 when the model cannot be fitted."""
    try:
        ns = build_parser().parse_args(args)
        return ns.handler(ns)
    except QualityError as exc:
        print(str(exc), file=sys.stderr)
        return exc.exit_status
    except SystemExit as exc:  # -h / --help
        return int(exc.code or 0)
