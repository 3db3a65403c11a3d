"""Reading a meeting platform's participant export (腾讯会议, 钉钉, 飞书, Zoom …): an .xlsx (or
.xls / CSV) with, under some header or other, a name, maybe a phone or 工号, and the time in
the meeting. Columns are found by what their header contains; the file is read by the import
framework's reader (type told by content). Any cell we cannot read makes the whole file
refused with row-level messages, so nothing is written from a half-understood file."""

from __future__ import annotations

import re

from yanxun.core.imports.errors import ImportFileError, RowError, file_error
from yanxun.core.imports.readers import ROW, read_table
from yanxun.training.attendance import MeetingRow

# Header fragments, most specific first; a header is matched by containing one of them.
NAME_HEADERS = ("姓名", "入会昵称", "用户昵称", "昵称", "参会人", "参会者", "成员", "用户名", "name")
PHONE_HEADERS = ("手机号", "手机", "电话", "phone")
NUMBER_HEADERS = ("工号",)
DURATION_HEADERS = ("累计参会时长", "参会时长", "在线时长", "入会时长", "观看时长", "时长",
                    "duration")
HOURS_MINUTES = re.compile(r"^(?:(\d+(?:\.\d+)?)\s*(?:小时|时|h))?\s*(?:(\d+(?:\.\d+)?)\s*"
                           r"(?:分钟|分|min|m))?\s*(?:(\d+(?:\.\d+)?)\s*(?:秒钟|秒|s))?$",
                           re.IGNORECASE)
CLOCK = re.compile(r"^(\d+):(\d{1,2})(?::(\d{1,2}))?$")


def _find(headers: list[str], fragments: tuple[str, ...]) -> int | None:
    lowered = [h.lower() for h in headers]
    for fragment in fragments:
        for index, header in enumerate(lowered):
            if fragment.lower() in header:
                return index
    return None


def unit_of(header: str) -> str:
    """How a bare number in the duration column is meant, from its header."""
    if "秒" in header or "(s)" in header.lower():
        return "seconds"
    if "小时" in header or "(h)" in header.lower():
        return "hours"
    return "minutes"


def parse_minutes(text: str, unit: str = "minutes") -> int | None:
    """Whole minutes (rounded down) from "95", "95分钟", "1小时35分", "01:35:00", "5700秒"."""
    text = text.strip().replace("：", ":")
    if not text:
        return None
    if re.fullmatch(r"\d+(\.\d+)?", text):
        number = float(text)
        return int({"seconds": number / 60, "hours": number * 60}.get(unit, number))
    clock = CLOCK.match(text)
    if clock:
        hours, minutes, seconds = clock.groups()
        if seconds is None:  # "95:30" is minutes and seconds, as platforms print short ones
            return int(hours) + int(minutes) // 60
        return int(hours) * 60 + int(minutes) + int(seconds) // 60
    parts = HOURS_MINUTES.match(text)
    if parts and any(parts.groups()):
        hours, minutes, seconds = (float(p) if p else 0.0 for p in parts.groups())
        return int(hours * 60 + minutes + seconds / 60)
    return None


def read_meeting_export(source) -> tuple[list[MeetingRow], list[RowError]]:
    """The participant rows, or the errors that make the file unusable (then no rows)."""
    try:
        table = read_table(source)
    except ImportFileError as exc:
        return [], exc.errors
    headers = table.headers
    name_at, duration_at = _find(headers, NAME_HEADERS), _find(headers, DURATION_HEADERS)
    phone_at, number_at = _find(headers, PHONE_HEADERS), _find(headers, NUMBER_HEADERS)
    missing = [label for label, at in (("姓名（或昵称）", name_at), ("参会时长", duration_at))
               if at is None]
    if missing:
        return [], [file_error(f"没有找到「{'」「'.join(missing)}」列。请上传会议平台导出的参会"
                               f"明细（表头中含姓名/昵称、手机号或工号、参会时长）。")]
    unit = unit_of(headers[duration_at])
    rows, errors = [], []
    for record in table.frame.iter_rows(named=True):
        cell = {i: record[f"c{i}"] for i in range(len(headers))}
        minutes = parse_minutes(cell[duration_at], unit)
        if minutes is None:
            errors.append(RowError(record[ROW], headers[duration_at],
                                   f"无法识别的时长「{cell[duration_at][:20]}」（可写作 95、95分钟、"
                                   "1小时35分 或 01:35:00）"))
            continue
        rows.append(MeetingRow(record[ROW], cell[name_at],
                               cell[phone_at] if phone_at is not None else "",
                               cell[number_at] if number_at is not None else "", minutes))
    if not rows and not errors:
        errors.append(file_error("文件中没有参会记录。"))
    return ([] if errors else rows), errors
