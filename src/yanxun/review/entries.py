"""参评作品 from the author's side: the entry form (title, co-authors, the competition's
fields and files), drafts, submission with the entry's code, changes after a return,
withdrawal; and what every part of the review uses about entries: the form's fields, an
entry's missing required fields, its files checked by content, and `entry_file_response` (the one way an entry's file is served),
the one way an entry's file is served (to authors and staff by its name, to judges of a
blind round as "<code>-<field label>.<ext>").

Only the lead author (the teacher who created the entry) changes it. Statuses move through
review.workflow; every write is validated first, then done in one transaction, audited."""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F
from django.http import FileResponse
from django.utils import timezone

from yanxun.core.audit import audit_record, changed_fields
from yanxun.core.permissions import has_perm
from yanxun.org.enums import TeacherStatus
from yanxun.org.models import Teacher
from yanxun.review import rules, workflow
from yanxun.review.competitions import free_prefix
from yanxun.review.enums import CompetitionStatus, EntryStatus, FieldKind
from yanxun.review.models import Competition, CompetitionGroup, Entry, EntryFile
from yanxun.training import files as checked_files

E = EntryStatus
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
SUFFIX = {**checked_files.SUFFIX, PPTX: ".pptx"}
ENTRY_FILE_TYPES = (checked_files.PDF, checked_files.DOCX, checked_files.XLSX, PPTX,
                    checked_files.JPEG, checked_files.PNG)
TYPES_TEXT = "PDF、Word（.docx）、PowerPoint（.pptx）、Excel（.xlsx）、JPG 或 PNG"
TITLE_MAX = 200
TEXT_MAX = {FieldKind.TEXT: 200, FieldKind.TEXTAREA: 5000, FieldKind.URL: 500}
MAX_CO_AUTHORS = 5
EDITABLE = (E.DRAFT, E.RETURNED)
WITHDRAWABLE = (E.DRAFT, E.SUBMITTED, E.RETURNED)
SPLIT = re.compile(r"[\s,，、;；]+")
_url = URLValidator(schemes=["http", "https"])


def max_file_bytes() -> int:
    """The size limit of one entry file (documents, slides, images: lesson videos are
    links), setting REVIEW_ENTRY_FILE_MAX_BYTES (YANXUN_REVIEW_ENTRY_FILE_MAX_MB, 20 MB)."""
    return getattr(settings, "REVIEW_ENTRY_FILE_MAX_BYTES", 20 * 1024 * 1024)


# --- the form's fields ---------------------------------------------------------------------


def form_fields(competition: Competition) -> list[dict]:
    return list(competition.entry_fields or [])


def field_label(competition: Competition, key: str) -> str:
    return next((f["label"] for f in form_fields(competition) if f["key"] == key), "材料")


def missing_fields(competition: Competition, form_data: Mapping, file_keys: Iterable[str]
                   ) -> list[str]:
    """Labels of the required fields without an answer (text) or a file."""
    keys = set(file_keys)
    missing = []
    for field in form_fields(competition):
        if not field.get("required"):
            continue
        if field["kind"] == FieldKind.FILE:
            if field["key"] not in keys:
                missing.append(field["label"])
        elif not str(form_data.get(field["key"]) or "").strip():
            missing.append(field["label"])
    return missing


def missing_by_entry(entries: list[Entry]) -> dict[int, list[str]]:
    """missing_fields of many entries (of any competitions) with one query for the files."""
    keys: dict[int, set[str]] = {e.pk: set() for e in entries}
    for entry_id, key in EntryFile.objects.filter(entry__in=[e.pk for e in entries]) \
            .values_list("entry_id", "field_key"):
        keys[entry_id].add(key)
    return {e.pk: missing_fields(e.competition, e.form_data, keys[e.pk]) for e in entries}


def clean_values(competition: Competition, values: Mapping) -> dict[str, str]:
    """The text answers (text, textarea, url) of the form, trimmed and checked; a url must
    be an http(s) address. Keys of other fields are ignored."""
    out, errors = {}, []
    for field in form_fields(competition):
        kind = field["kind"]
        if kind == FieldKind.FILE:
            continue
        value = str(values.get(field["key"]) or "").strip().replace("\x00", "")
        if len(value) > TEXT_MAX[kind]:
            errors.append(f"「{field['label']}」不能超过 {TEXT_MAX[kind]} 个字。")
        elif kind == FieldKind.URL and value:
            try:
                _url(value)
            except ValidationError:
                errors.append(f"「{field['label']}」应为 http:// 或 https:// 开头的网址。")
        if value:
            out[field["key"]] = value
    if errors:
        raise ValidationError(errors)
    return out


# --- files -----------------------------------------------------------------------------------


def _is_pptx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    return "[Content_Types].xml" in names and "ppt/presentation.xml" in names


def sniff(data: bytes) -> str | None:
    """What the bytes are, among the entry file types (by content, never by name)."""
    kind = checked_files.sniff(data)
    if kind is None and data.startswith(b"PK\x03\x04") and _is_pptx(data):
        return PPTX
    return kind if kind in ENTRY_FILE_TYPES else None


def _read(upload, limit: int) -> bytes:
    data = bytearray()
    for chunk in upload.chunks():
        data += chunk
        if len(data) > limit:
            break
    return bytes(data)


def check_upload(upload, label: str) -> checked_files.CheckedFile:
    """One uploaded file for the field `label`: not empty, within the size limit, one of
    the entry file types by content."""
    name = (upload.name or label).replace("\x00", "")[-checked_files.NAME_MAX:]
    limit = max_file_bytes()
    data = _read(upload, limit)
    if not data:
        raise ValidationError(f"「{label}」：「{name}」是空文件。")
    if len(data) > limit:
        raise ValidationError(f"「{label}」：「{name}」超过 {limit // (1024 * 1024)} MB。")
    kind = sniff(data)
    if kind is None:
        raise ValidationError(f"「{label}」：「{name}」不是 {TYPES_TEXT} 文件"
                              "（按文件内容判断，与扩展名无关）。")
    return checked_files.CheckedFile(name, kind, data)


def check_uploads(competition: Competition, uploads: Mapping) -> dict[str, checked_files
                                                                       .CheckedFile]:
    """{field key: checked file} for the file fields of the form; other keys refused."""
    fields = {f["key"]: f for f in form_fields(competition) if f["kind"] == FieldKind.FILE}
    out, errors = {}, []
    for key, upload in uploads.items():
        if upload is None:
            continue
        if key not in fields:
            errors.append("上传的文件不属于本活动的材料项。")
            continue
        try:
            out[key] = check_upload(upload, fields[key]["label"])
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return out


def _store(entry: Entry, key: str, checked: checked_files.CheckedFile) -> EntryFile:
    content = ContentFile(checked.data,
                          name=secrets.token_hex(16) + SUFFIX[checked.content_type])
    return EntryFile.objects.create(
        entry=entry, field_key=key, file=content, original_name=checked.name,
        content_type=checked.content_type, size=checked.size,
        sha256=hashlib.sha256(checked.data).hexdigest())


def _drop_files(entry: Entry, keys: Iterable[str]) -> list[dict]:
    """Remove the entry's files of these fields (their bytes after the commit)."""
    rows = list(EntryFile.objects.filter(entry=entry, field_key__in=list(keys)))
    names = [row.file.name for row in rows]
    EntryFile.objects.filter(pk__in=[row.pk for row in rows]).delete()
    if names:
        storage = EntryFile._meta.get_field("file").storage
        transaction.on_commit(lambda: [storage.delete(n) for n in names])
    return [{"field": r.field_key, "name": r.original_name, "sha256": r.sha256} for r in rows]


def blind_file_name(entry_file: EntryFile, n: int = 0) -> str:
    """"<entry code>-<field label>.<ext>" (the field's second file: "<code>-<label>-2.<ext>"):
    no author, school or original file name; the extension follows the type the content was
    found to be."""
    entry = entry_file.entry
    label = re.sub(r'[\\/:*?"<>|\s]+', "", field_label(entry.competition, entry_file.field_key))
    return (f"{entry.code or '未编号'}-{label or '材料'}{f'-{n + 1}' if n else ''}"
            f"{SUFFIX.get(entry_file.content_type, '')}")


def entry_file_response(entry_file: EntryFile, *, name: str | None = None) -> FileResponse:
    """An entry's file as training.files.download_response serves every checked upload; named
    `name` (a judge in a blind round gets blind_file_name) or else its original name. The
    caller has checked that the user may have it."""
    return checked_files.download_response(entry_file, ENTRY_FILE_TYPES, name)


# --- codes ----------------------------------------------------------------------------------


def allocate_code(group: CompetitionGroup) -> str:
    """The next code of the group, e.g. "A0037": one UPDATE … SET last_code = last_code + 1
    takes the number (the row stays locked until the caller's transaction ends, so two
    submissions never get the same number). Must run inside a transaction."""
    CompetitionGroup.objects.filter(pk=group.pk).update(last_code=F("last_code") + 1)
    prefix, number = CompetitionGroup.objects.values_list("code_prefix", "last_code").get(
        pk=group.pk)
    if not prefix:  # a group made without the services (fixtures): give it its letter now
        prefix = free_prefix(group.competition_id)
        CompetitionGroup.objects.filter(pk=group.pk).update(code_prefix=prefix)
    group.code_prefix, group.last_code = prefix, number
    return f"{prefix}{number:04d}"


# --- authors --------------------------------------------------------------------------------


def own_teacher(user) -> Teacher | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Teacher.objects.select_related("school").filter(user=user).first()


def resolve_co_authors(lead: Teacher, text: str) -> list[Teacher]:
    """Co-authors from "工号 or 姓名" separated by commas, 、 or spaces: a 工号 of any active
    teacher of the district (of the lead's school first when a 工号 is used twice), or the
    name of an active teacher of the lead's school."""
    tokens = [t for t in SPLIT.split((text or "").replace("\x00", "")) if t]
    if len(tokens) > MAX_CO_AUTHORS:
        raise ValidationError(f"其他作者最多 {MAX_CO_AUTHORS} 人。")
    active = Teacher.objects.filter(status=TeacherStatus.ACTIVE).select_related("school")
    out, errors = [], []
    for token in tokens:
        teacher = _one_teacher(active, lead, token)
        if isinstance(teacher, str):
            errors.append(teacher)
        elif teacher.pk == lead.pk:
            errors.append(f"「{token}」是第一作者本人，不必列为其他作者。")
        elif teacher not in out:
            out.append(teacher)
    if errors:
        raise ValidationError(errors)
    return out


def _one_teacher(active, lead: Teacher, token: str) -> Teacher | str:
    by_number = list(active.filter(employee_no=token)[:10])
    if len(by_number) > 1:
        by_number = [t for t in by_number if t.school_id == lead.school_id] or by_number
    if len(by_number) == 1:
        return by_number[0]
    if len(by_number) > 1:
        return f"工号「{token}」对应多名教师，请改填本校教师姓名。"
    by_name = list(active.filter(name=token, school_id=lead.school_id)[:2])
    if len(by_name) == 1:
        return by_name[0]
    if len(by_name) > 1:
        return f"本校有多名「{token}」，请改填工号。"
    return f"没有找到「{token}」：请填写本区教师的工号，或本校教师的姓名。"


# --- author's writes --------------------------------------------------------------------------


def _now(now):
    return now or timezone.now()


def window_problem(competition: Competition, now) -> str | None:
    """Why the competition takes no new entries at `now`, or None."""
    if competition.status != CompetitionStatus.OPEN:
        return f"评比活动{CompetitionStatus(competition.status).label}，不接受报名。"
    if competition.entry_opens and now < competition.entry_opens:
        return f"报名尚未开始（{timezone.localtime(competition.entry_opens):%Y-%m-%d %H:%M} 开始）。"
    if competition.entry_closes and now >= competition.entry_closes:
        return f"报名已截止（{timezone.localtime(competition.entry_closes):%Y-%m-%d %H:%M}）。"
    return None


def _check_window(entry_or_competition, now) -> None:
    """Drafts follow the entry window; a returned entry may be corrected while the
    competition is 报名中, after the window too (the return asked for it)."""
    if isinstance(entry_or_competition, Entry) and entry_or_competition.status == E.RETURNED:
        competition = entry_or_competition.competition
        if competition.status != CompetitionStatus.OPEN:
            raise ValidationError(f"评比活动{CompetitionStatus(competition.status).label}，"
                                  "不能再修改作品。")
        return
    competition = getattr(entry_or_competition, "competition", entry_or_competition)
    problem = window_problem(competition, now)
    if problem:
        raise ValidationError(problem)


def _require_author(actor, entry: Entry | None = None) -> Teacher:
    if not has_perm(actor, rules.SUBMIT_ENTRIES):
        raise PermissionDenied("无权提交参评作品。")
    teacher = own_teacher(actor)
    if teacher is None:
        raise PermissionDenied("您的账号没有关联教师档案，不能提交作品。")
    if entry is not None and entry.teacher_id != teacher.pk:
        raise PermissionDenied("只有第一作者本人可以修改、提交或撤回这件作品。")
    if teacher.status != TeacherStatus.ACTIVE:
        raise PermissionDenied("您的教师档案不是在职状态，不能提交作品。")
    return teacher


@dataclass
class EntryInput:
    """What the author fills in: checked by `_check_input` before anything is written."""

    title: str
    co_authors: str = ""  # 工号 or names, see resolve_co_authors
    values: Mapping | None = None  # field key -> text
    uploads: Mapping | None = None  # field key -> uploaded file
    remove: Iterable[str] = ()  # file field keys whose file is to be removed


@dataclass
class _Checked:
    title: str
    co_authors: list[Teacher]
    values: dict[str, str]
    files: dict[str, checked_files.CheckedFile]
    remove: set[str]


def _check_input(competition: Competition, lead: Teacher, data: EntryInput) -> _Checked:
    title = (data.title or "").replace("\x00", "").strip()
    errors = []
    if not title:
        errors.append("请填写作品名称。")
    elif len(title) > TITLE_MAX:
        errors.append(f"作品名称不能超过 {TITLE_MAX} 个字。")
    parts = {}
    for name, check in (("co_authors", lambda: resolve_co_authors(lead, data.co_authors)),
                        ("values", lambda: clean_values(competition, data.values or {})),
                        ("files", lambda: check_uploads(competition, data.uploads or {}))):
        try:
            parts[name] = check()
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return _Checked(title, parts["co_authors"], parts["values"], parts["files"],
                    set(data.remove or ()) - set(parts["files"]))


def _snapshot(entry: Entry) -> dict:
    return {"title": entry.title, "group": entry.group_id, "form_data": entry.form_data,
            "co_authors": sorted(entry.co_authors.values_list("pk", flat=True))}


def _write(entry: Entry, checked: _Checked, *, actor) -> None:
    """Save the entry's fields, co-authors and files (inside the caller's transaction)."""
    before = _snapshot(entry) if entry.pk else {}
    entry.title, entry.form_data = checked.title, checked.values
    entry.save()
    entry.co_authors.set(checked.co_authors)
    removed = _drop_files(entry, checked.remove | set(checked.files))
    added = [_store(entry, key, f) for key, f in checked.files.items()]
    old, new = changed_fields(before, _snapshot(entry))
    if removed:
        old["files"] = removed
    if added:
        new["files"] = [{"field": f.field_key, "name": f.original_name, "sha256": f.sha256}
                        for f in added]
    if new or old:
        audit_record(actor=actor, action="review.entry.save", obj=entry, before=old or None,
                     after=new)


def _file_keys(entry: Entry) -> set[str]:
    return set(EntryFile.objects.filter(entry=entry).values_list("field_key", flat=True))


def _check_complete(entry: Entry, checked: _Checked | None = None) -> None:
    """Refuse a submission with required fields missing (counting this save's uploads)."""
    keys = _file_keys(entry) if entry.pk else set()
    if checked is not None:
        keys = (keys - checked.remove) | set(checked.files)
    form_data = checked.values if checked is not None else entry.form_data
    missing = missing_fields(entry.competition, form_data, keys)
    if missing:
        raise ValidationError(f"以下必填材料尚未填写或上传：{'、'.join(missing)}。")


def _submit(entry: Entry, *, actor, now) -> Entry:
    """DRAFT or RETURNED → SUBMITTED, with a code at the first submission."""
    fields = {"submitted_at": now, "status_reason": "", "school_id": entry.teacher.school_id}
    if not entry.code:
        fields["code"] = allocate_code(entry.group)
    return workflow.transition(entry, E.SUBMITTED, actor=actor, fields=fields,
                               action="review.entry.submit")


def entry_create(*, actor, group: CompetitionGroup, data: EntryInput, submit: bool = False,
                 now=None) -> Entry:
    """A new entry of the actor (the lead author) in `group`: saved as a draft, or submitted
    at once (then every required field must be there)."""
    now = _now(now)
    lead = _require_author(actor)
    competition = group.competition
    _check_window(competition, now)
    checked = _check_input(competition, lead, data)
    entry = Entry(competition=competition, group=group, teacher=lead, school=lead.school,
                  status=E.DRAFT)
    if submit:
        _check_complete(entry, checked)
    with transaction.atomic():
        _write(entry, checked, actor=actor)
        if submit:
            _submit(entry, actor=actor, now=now)
    return entry


def _lock(entry: Entry) -> Entry:
    locked = (Entry.objects.select_for_update(of=("self",))
              .select_related("competition", "group", "teacher").get(pk=entry.pk))
    return locked


def entry_update(*, actor, entry: Entry, data: EntryInput, group: CompetitionGroup | None = None,
                 submit: bool = False, now=None) -> Entry:
    """Change a draft or a returned entry, and optionally (re)submit it. The group changes
    only before the entry has a code (the code's letter is the group's)."""
    now = _now(now)
    lead = _require_author(actor, entry)
    if entry.status not in EDITABLE:
        raise ValidationError(f"作品当前为「{E(entry.status).label}」，不能修改。")
    _check_window(entry, now)
    if group is not None and group.pk != entry.group_id:
        if group.competition_id != entry.competition_id:
            raise ValidationError("组别不属于本评比活动。")
        if entry.code:
            raise ValidationError("作品已有编号，不能再更换组别。")
    checked = _check_input(entry.competition, lead, data)
    with transaction.atomic():
        locked = _lock(entry)
        if locked.status != entry.status:
            raise ValidationError("作品的状态刚被改变，请刷新后重试。")
        if group is not None:
            locked.group = group
        if submit:
            _check_complete(locked, checked)
        _write(locked, checked, actor=actor)
        if submit:
            _submit(locked, actor=actor, now=now)
    return locked


def entry_submit(*, actor, entry: Entry, now=None) -> Entry:
    """Submit a draft or a returned entry as it is saved."""
    now = _now(now)
    _require_author(actor, entry)
    if entry.status not in EDITABLE:
        raise ValidationError(f"作品当前为「{E(entry.status).label}」，不能提交。")
    _check_window(entry, now)
    _check_complete(entry)
    with transaction.atomic():
        return _submit(entry, actor=actor, now=now)


@dataclass(frozen=True)
class AuthorMoves:
    """What the lead author may do with the entry now: the same conditions as entry_update,
    entry_withdraw and entry_restore, for the page's buttons."""

    edit: bool
    withdraw: bool
    restore: bool


def author_moves(entry: Entry, *, is_lead: bool, now=None) -> AuthorMoves:
    if not is_lead:
        return AuthorMoves(False, False, False)
    now = _now(now)

    def window_ok(target) -> bool:
        try:
            _check_window(target, now)
        except ValidationError:
            return False
        return True

    return AuthorMoves(
        edit=entry.status in EDITABLE and window_ok(entry),
        withdraw=(entry.status in WITHDRAWABLE
                  and entry.competition.status == CompetitionStatus.OPEN),
        restore=entry.status == E.WITHDRAWN and window_ok(entry.competition))


def entry_withdraw(*, actor, entry: Entry, reason: str = "") -> Entry:
    """The author takes the entry back before the school recommends it."""
    _require_author(actor, entry)
    if entry.status not in WITHDRAWABLE:
        raise ValidationError("学校已作出推荐决定，不能再撤回；如需撤回请联系学校管理员。")
    if entry.competition.status != CompetitionStatus.OPEN:
        raise ValidationError("评比活动已不在报名阶段，不能撤回。")
    reason = (reason or "").replace("\x00", "").strip()[:300]
    return workflow.transition(entry, E.WITHDRAWN, actor=actor, reason=reason,
                               action="review.entry.withdraw")


def entry_restore(*, actor, entry: Entry, now=None) -> Entry:
    """A withdrawn entry back to a draft (within the entry window); it keeps its code."""
    now = _now(now)
    _require_author(actor, entry)
    if entry.status != E.WITHDRAWN:
        raise ValidationError("只有已撤回的作品可以恢复为草稿。")
    _check_window(entry.competition, now)
    return workflow.transition(entry, E.DRAFT, actor=actor, action="review.entry.restore")
