"""Reading a score file in the wide layout staff already have (.csv, .xlsx, .xls).

考号, 姓名, 学校, 班级 (and 学籍号 where the file has it), then one column per subject. A cell
that is empty or 缺考 means absent (for an elective subject an empty cell means "not taken");
作弊, 违纪 and 免考 are excluded and counted separately; any other text, a negative score, a
score above the full mark or one with more than two decimal places is an error that names the
file, the row and the column. Parsing is vectorised: every cell is read as text, then
classified with column expressions (no Python loop over rows).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from yanxun.quality.engine import (
    ABSENT,
    NOT_TAKEN,
    PRESENT,
    SCALE,
    STATUS_WORDS,
    status_column,
)

KEY_COLUMNS = ("考号", "姓名", "学校", "班级")
STUDENT_ID = "学籍号"
FIRST_DATA_ROW = 2  # the header is row 1
ROW = "_row"

# Cell problems, in the order they are reported.
UNKNOWN, NEGATIVE, ABOVE_FULL, DECIMALS = 1, 2, 3, 4


class QualityError(Exception):
    """An error whose message (Chinese) is shown to the user as it is."""

    exit_status = 1


class InputError(QualityError):
    """Bad input: the message names the file, row and column."""

    exit_status = 2


@dataclass
class ScoreTable:
    frame: pl.DataFrame  # _row, key columns, per subject score (hundredths) and status
    subjects: list[str]  # in file order
    source: str
    has_student_id: bool
    warnings: list[str] = field(default_factory=list)


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA (the spreadsheet's name for a column)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_error(source: str, row: int, header: list[str], column: str, problem: str) -> InputError:
    letter = column_letter(header.index(column)) if column in header else "?"
    return InputError(f"{source}：第 {row} 行，「{column}」列（{letter} 列）：{problem}")


# ---------------------------------------------------------------------------------------
# Reading the raw text of a file
# ---------------------------------------------------------------------------------------


def _decode_csv(data: bytes) -> bytes:
    """UTF-8 (with or without BOM) as is; otherwise GB18030 (Excel's Chinese CSV)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:]
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        return data.decode("gb18030").encode("utf-8")


def read_raw(path: Path, *, sheet: int | str = 0, source: str | None = None) -> pl.DataFrame:
    """Every cell as text (null where empty), header names stripped of spaces."""
    source = source or path.name
    suffix = path.suffix.lower()
    if not path.is_file():
        raise InputError(f"{source}：找不到文件")
    try:
        if suffix == ".csv":
            frame = pl.read_csv(io.BytesIO(_decode_csv(path.read_bytes())), infer_schema=False)
        elif suffix in (".xlsx", ".xls", ".xlsm"):
            import fastexcel

            frame = fastexcel.read_excel(str(path)).load_sheet(sheet, dtypes="string").to_polars()
        else:
            raise InputError(f"{source}：不支持的文件类型「{suffix}」，请使用 .xlsx、.xls 或 .csv")
    except InputError:
        raise
    except Exception as exc:  # a damaged file: the reader's own words after ours
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{source}：无法读取文件（{first_line}）") from exc
    return _clean_header(frame, source)


def _clean_header(frame: pl.DataFrame, source: str) -> pl.DataFrame:
    names = [str(name).strip() for name in frame.columns]
    seen: set[str] = set()
    for index, name in enumerate(names):
        base = name.split("_duplicated_")[0]
        if base in seen:
            raise InputError(f"{source}：第 1 行，{column_letter(index)} 列：列名「{base}」重复")
        seen.add(base)
    return frame.rename(dict(zip(frame.columns, names, strict=True)))


# ---------------------------------------------------------------------------------------
# Validating and parsing
# ---------------------------------------------------------------------------------------


def _check_header(header: list[str], subjects: list[str], keys: tuple[str, ...], source: str):
    for name in [*keys, *subjects]:
        if name not in header:
            raise InputError(f"{source}：第 1 行：缺少「{name}」列")
    known = {*keys, STUDENT_ID, *subjects}
    return [f"{source}：已忽略列「{name}」" for name in header if name not in known]


def _drop_blank_rows(frame: pl.DataFrame) -> pl.DataFrame:
    frame = frame.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias(ROW) + FIRST_DATA_ROW)
    text = [c for c in frame.columns if c != ROW]
    return frame.filter(pl.any_horizontal([pl.col(c).is_not_null() for c in text]))


def _blank_to_null(text: pl.Expr) -> pl.Expr:
    return pl.when(text != "").then(text)


def _check_keys(frame: pl.DataFrame, keys: tuple[str, ...], header: list[str], source: str):
    for key in keys:
        blank = frame.filter(pl.col(key).is_null())
        if len(blank):
            raise cell_error(source, blank[ROW][0], header, key, f"「{key}」不能为空")
    unique_key = "学籍号" if "学籍号" in keys else "考号" if "考号" in keys else None
    if unique_key is None:
        return
    dup = frame.filter(pl.col(unique_key).is_duplicated()).select(ROW, unique_key)
    if len(dup):
        first, value = dup[ROW][0], dup[unique_key][0]
        second = dup.filter(pl.col(unique_key) == value)[ROW][1]
        raise cell_error(source, second, header, unique_key,
                         f"{unique_key}「{value}」与第 {first} 行重复")


def _first_pass(name: str, elective: bool) -> list[pl.Expr]:
    """The cell's status and, where it is not a status word, its value as a number."""
    text = pl.col(name)
    status = pl.when(text.is_null()).then(NOT_TAKEN if elective else ABSENT)
    for word, code in STATUS_WORDS.items():
        status = status.when(text == word).then(code)
    hundredths = text.cast(pl.Float64, strict=False) * SCALE
    return [status.otherwise(PRESENT).cast(pl.UInt8).alias(status_column(name)),
            hundredths.alias(f"{name}::value")]


def _second_pass(name: str, full: int | None) -> list[pl.Expr]:
    """(score in hundredths, problem code): unknown text, negative, decimals, above full."""
    status, value = pl.col(status_column(name)), pl.col(f"{name}::value")
    scaled = value.round(0).cast(pl.Int64, strict=False)
    problem = (
        pl.when(status != PRESENT).then(0)
        .when(value.is_null() | ~value.is_finite() | scaled.is_null()).then(UNKNOWN)
        .when(value < 0).then(NEGATIVE)
        .when((value - scaled).abs() > 1e-6).then(DECIMALS)
    )
    if full is not None:
        problem = problem.when(scaled > full).then(ABOVE_FULL)
    return [pl.when(status == PRESENT).then(scaled).alias(name),
            problem.otherwise(0).cast(pl.UInt8).alias(f"{name}::problem")]


def _problem_text(code: int, text: str, full: int | None) -> str:
    if code == NEGATIVE:
        return f"分数不能为负数（「{text}」）"
    if code == ABOVE_FULL:
        return f"分数「{text}」超过满分 {full / SCALE:g}"
    if code == DECIMALS:
        return f"分数「{text}」最多保留两位小数"
    return f"无法识别「{text}」：应为分数，或留空、缺考、作弊、违纪、免考"


def _raise_first_problem(frame, parsed, subjects, fulls, header, source) -> None:
    problems = [f"{s}::problem" for s in subjects]
    bad = parsed.filter(pl.any_horizontal([pl.col(p) != 0 for p in problems]))
    if not len(bad):
        return
    row = bad.row(0, named=True)
    subject = next(s for s in subjects if row[f"{s}::problem"])
    text = frame.filter(pl.col(ROW) == row[ROW])[subject][0]
    total = bad.select(pl.sum_horizontal([(pl.col(p) != 0).cast(pl.Int64) for p in problems]).sum()).item()
    more = f"（共 {total} 处错误，请逐一改正）" if total > 1 else ""
    problem = _problem_text(row[f"{subject}::problem"], text, fulls.get(subject))
    raise cell_error(source, row[ROW], header, subject, problem + more)


def parse_scores(
    frame: pl.DataFrame,
    *,
    fulls: dict[str, int | None],
    electives: frozenset[str] = frozenset(),
    keys: tuple[str, ...] = KEY_COLUMNS,
    source: str,
) -> ScoreTable:
    """Validate and parse raw text cells. `fulls`: subject → full mark in hundredths (None:
    no upper bound, as for value-added without --full-marks)."""
    header = list(frame.columns)
    subjects = [s for s in header if s in fulls]
    warnings = _check_header(header, list(fulls), keys, source)
    has_student_id = STUDENT_ID in header
    key_columns = [*keys, *([STUDENT_ID] if has_student_id and STUDENT_ID not in keys else [])]
    frame = _drop_blank_rows(frame.select([*key_columns, *subjects]).with_columns(
        _blank_to_null(pl.all().str.strip_chars())))
    if frame.is_empty():
        raise InputError(f"{source}：第 2 行起没有学生成绩")
    _check_keys(frame, keys, header, source)
    parsed = (
        frame.lazy()
        .with_columns([e for s in subjects for e in _first_pass(s, s in electives)])
        .select(ROW, *key_columns, *[pl.col(status_column(s)) for s in subjects],
                *[e for s in subjects for e in _second_pass(s, fulls[s])])
        .collect()
    )
    _raise_first_problem(frame, parsed, subjects, fulls, header, source)
    parsed = parsed.drop([f"{s}::problem" for s in subjects])
    return ScoreTable(parsed, subjects, source, has_student_id, warnings)


def read_scores(
    path: Path,
    *,
    fulls: dict[str, int | None],
    electives: frozenset[str] = frozenset(),
    keys: tuple[str, ...] = KEY_COLUMNS,
    source: str | None = None,
) -> ScoreTable:
    source = source or path.name
    raw = read_raw(path, source=source)
    return parse_scores(raw, fulls=fulls, electives=electives, keys=keys, source=source)


ASSIGNMENT_COLUMNS = ("学校", "班级", "科目", "教师")


def read_assignments(path: Path) -> pl.DataFrame:
    """The class–subject–teacher table: 学校, 班级, 科目, 教师, one row per class and subject
    (a class may share a subject between teachers: one row each)."""
    raw = read_raw(path)
    header = list(raw.columns)
    _check_header(header, [], ASSIGNMENT_COLUMNS, path.name)
    frame = _drop_blank_rows(raw.select(ASSIGNMENT_COLUMNS).with_columns(
        _blank_to_null(pl.all().str.strip_chars())))
    _check_keys(frame, ASSIGNMENT_COLUMNS, header, path.name)
    return frame.drop(ROW)
