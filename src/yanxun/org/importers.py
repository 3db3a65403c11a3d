"""School and teacher importers (registered with the core import framework).

Teachers are identified by 身份证号. A new teacher gets a login account (login name as in
org.services.login_name_for), the initial password INITIAL_PASSWORD_RULE, the teacher role
and an open posting; an existing one (with 更新已有数据) is updated, and a new school is a
transfer that keeps the posting history. Everything is bulk: no query per row.
"""

import re
from datetime import date
from typing import cast

from django.core.exceptions import ValidationError
from django.utils import timezone

from yanxun.accounts.models import RoleAssignment, User
from yanxun.core.audit import changed_fields, snapshot
from yanxun.core.enums import Role
from yanxun.core.imports.framework import Column, Importer, Row, RowError, WriteCounts, register
from yanxun.core.imports.passwords import initial_password_hash
from yanxun.core.imports.readers import ROW
from yanxun.core.models import AuditLog
from yanxun.core.validators import id_number_check_digit
from yanxun.org import rules
from yanxun.org.enums import Gender, Location, ProfessionalTitle, SchoolType, Stage, TeacherStatus
from yanxun.org.models import District, School, Subject, Teacher, TeacherPosting
from yanxun.org.services import TEACHER_AUDIT_FIELDS, login_name_for

INITIAL_PASSWORD_RULE = "初始密码为 Yx 加身份证号后 6 位（如 Yx12345X），首次登录后须修改"
SUBJECT_SEPARATORS = re.compile(r"[,，、;；/\s]+")
TEACHER_FIELDS = ["employee_no", "name", "gender", "phone", "stage", "professional_title",
                  "entry_year"]
SCHOOL_FIELDS = ["name", "school_type", "location", "is_weak", "address"]
EXAMPLE_ID = "32010219850312" + "001" + id_number_check_digit("32010219850312001")


def labels(choices) -> dict[str, str]:
    return {label: value for value, label in choices.choices}


def initial_password(id_number: str) -> str:
    return "Yx" + id_number[-6:]


@register
class SchoolImporter(Importer):
    kind = "schools"
    label = "学校"
    nav_label = "学校导入"
    model = School
    natural_key = "code"
    permission = rules.MANAGE_SCHOOLS
    columns = [
        Column("学校代码", "code", required=True, max_length=20, example="S0101",
               text_format=True, help="全区唯一，更新时按学校代码识别学校"),
        Column("学校名称", "name", required=True, max_length=100, example="示范区实验小学",
               help="全区唯一"),
        Column("办学类型", "school_type", required=True, kind="choice",
               choices=labels(SchoolType), example="小学"),
        Column("城乡", "location", required=True, kind="choice", choices=labels(Location),
               example="城区"),
        Column("薄弱学校", "is_weak", kind="choice", choices={"是": True, "否": False},
               default=False, example="否", help="不填视为「否」"),
        Column("地址", "address", max_length=200, example="示范区人民路 1 号"),
    ]

    def load_context(self, rows: list[Row]) -> None:
        super().load_context(rows)
        self.by_name = self.fetch_in(School.objects.all(), "name", [r["name"] for r in rows])
        self.district = District.objects.order_by("pk").first()
        self.names_seen: dict[str, int] = {}

    def prepare_row(self, row: Row) -> list[RowError]:
        if self.district is None:
            return [RowError(row[ROW], "", "无法导入：系统中还没有区县信息，请先完成区县设置")]
        name = row["name"]
        if name in self.names_seen:
            return [self.error(row, "name", f"与第 {self.names_seen[name]} 行重复")]
        self.names_seen[name] = row[ROW]
        holder = self.by_name.get(name)
        if holder is not None and holder.code != row["code"]:
            return [self.error(row, "name", f"已被学校代码为 {holder.code} 的学校使用")]
        return []

    def write(self, rows: list[Row]) -> WriteCounts:
        counts = WriteCounts()
        new = [School(district=self.district, code=r["code"], **_pick(r, SCHOOL_FIELDS))
               for r in rows if r["code"] not in self.existing]
        for batch in self.batches(new):
            School.objects.bulk_create(batch)
        counts.created = len(new)
        changed, audit = [], []
        for row in (r for r in rows if r["code"] in self.existing):
            school = self.existing[row["code"]]
            before = snapshot(school, SCHOOL_FIELDS)
            for name, value in _pick(row, SCHOOL_FIELDS).items():
                setattr(school, name, value)
            old, new_values = changed_fields(before, snapshot(school, SCHOOL_FIELDS))
            if new_values:
                changed.append(school)
                audit.append(self.audit_entry("school.update", school, old, new_values))
        for batch in self.batches(changed):
            School.objects.bulk_update(batch, SCHOOL_FIELDS)
        AuditLog.objects.bulk_create(audit, batch_size=500)
        counts.updated, counts.unchanged = len(changed), len(rows) - len(new) - len(changed)
        return counts


def _pick(row: Row, names: list[str]) -> dict:
    return {name: row[name] for name in names}


# --- teachers ------------------------------------------------------------------------------

@register
class TeacherImporter(Importer):
    kind = "teachers"
    label = "教师"
    nav_label = "教师导入"
    model = Teacher
    natural_key = "id_number"
    school_field = "school"
    permission = rules.IMPORT_TEACHERS
    notes = [INITIAL_PASSWORD_RULE,
             "登录名：本区工号全区唯一时为工号，否则为手机号。",
             "勾选「更新已有数据」时按身份证号更新；学校变化视为调动，保留任职经历。"]
    columns = [
        Column("工号", "employee_no", required=True, max_length=30, example="20150001",
               text_format=True, help="本校内不能重复；本区工号全区唯一时作为登录名"),
        Column("姓名", "name", required=True, max_length=50, example="张晓明"),
        Column("性别", "gender", required=True, kind="choice", choices=labels(Gender),
               example="男", help="须与身份证号第 17 位一致（奇数为男，偶数为女）"),
        Column("身份证号", "id_number", required=True, kind="id_number", example=EXAMPLE_ID,
               help="18 位，识别教师的依据；请设为文本格式，以免 Excel 改成科学计数"),
        Column("手机号", "phone", kind="phone", example="13912345678",
               help="11 位；本区工号不唯一时必填（作为登录名）"),
        Column("学校", "school", required=True, max_length=100, example="示范区实验小学",
               help="学校名称或学校代码，须为系统中已有的学校"),
        Column("学段", "stage", required=True, kind="choice", choices=labels(Stage),
               example="小学"),
        Column("任教学科", "subjects", max_length=200, example="语文、道德与法治",
               help="多个学科用顿号或逗号分隔，须为学科字典中的学科"),
        Column("职称", "professional_title", kind="choice",
               choices=labels(ProfessionalTitle),
               aliases={"三级": "third", "二级": "second", "一级": "first", "高级": "senior",
                        "正高级": "professor", "无": "none"},
               default=ProfessionalTitle.NONE.value, example="一级教师", help="不填视为未定级"),
        Column("入职年份", "entry_year", required=True, kind="int", min_value=1950,
               max_value=2100, example="2015"),
        Column("到校日期", "start_date", kind="date", example="2015-09-01",
               help="在本校任职的起始日期：新教师不填为入职年份的 9 月 1 日；调动不填为导入当天"),
    ]

    def check_row(self, row: Row) -> list[RowError]:
        errors = []
        male = int(row["id_number"][16]) % 2 == 1
        if (row["gender"] == Gender.MALE) != male:
            errors.append(self.error(row, "gender", "与身份证号不一致（身份证号第 17 位表示"
                                                    f"{'男' if male else '女'}）"))
        if row["entry_year"] > timezone.localdate().year:
            errors.append(self.error(row, "entry_year", "不能晚于今年"))
        return errors

    def load_context(self, rows: list[Row]) -> None:
        teachers = Teacher.objects.select_related("user", "school").prefetch_related("subjects")
        self.existing = self.fetch_in(teachers, "id_number", [r["id_number"] for r in rows])
        schools = list(School.objects.select_related("district"))
        self.schools = {s.name: s for s in schools} | {s.code: s for s in schools}
        self.subjects = {s.name: s for s in Subject.objects.all()}
        self.numbers_in_use = _numbers_in_use({r["employee_no"] for r in rows})
        logins = {r["employee_no"] for r in rows} | {r["phone"] for r in rows if r["phone"]}
        self.users_by_login = _users_by(logins, "username")
        self.users_by_phone = _users_by({r["phone"] for r in rows if r["phone"]}, "phone")
        self.open_postings = {p.teacher_id: p for p in TeacherPosting.objects.filter(
            teacher__in=list(self.existing.values()), end_date__isnull=True)}
        self.seen: dict[tuple, int] = {}

    def prepare_row(self, row: Row) -> list[RowError]:
        school = self.schools.get(row["school"])
        if school is None:
            return [self.error(row, "school", f"找不到：{row['school']}（请填写系统中已有的学校"
                                              "名称或学校代码）")]
        row["school"] = school
        errors = self._subjects(row) + self._employee_no(row) + self._phone(row)
        current = self.existing.get(row["id_number"])
        if errors:
            return errors
        if current is None:
            return self._login(row)
        return self._transfer_date(row, current) if current.school_id != school.pk else []

    def _subjects(self, row: Row) -> list[RowError]:
        names = [n for n in SUBJECT_SEPARATORS.split(row["subjects"]) if n]
        unknown = [n for n in names if n not in self.subjects]
        row["subjects"] = [self.subjects[n] for n in dict.fromkeys(names) if n in self.subjects]
        if unknown:
            listed = "、".join(f"「{n}」" for n in unknown)
            return [self.error(row, "subjects", f"中的{listed}不在学科字典中")]
        return []

    def _first_seen(self, key: tuple, row: Row) -> int | None:
        if key in self.seen:
            return self.seen[key]
        self.seen[key] = row[ROW]
        return None

    def _employee_no(self, row: Row) -> list[RowError]:
        school, number = row["school"], row["employee_no"]
        district_wide = school.district.employee_numbers_unique
        scope = ("district", school.district_id) if district_wide else ("school", school.pk)
        earlier = self._first_seen(("employee_no", scope, number), row)
        if earlier is not None:
            where = "本区工号全区唯一" if district_wide else "同一学校工号不能相同"
            return [self.error(row, "employee_no", f"与第 {earlier} 行重复（{where}）")]
        for school_id, district_id, id_number in self.numbers_in_use.get(number, []):
            same_scope = district_id == school.district_id if district_wide else \
                school_id == school.pk
            if same_scope and id_number != row["id_number"]:
                return [self.error(row, "employee_no", "已被其他教师使用")]
        return []

    def _phone(self, row: Row) -> list[RowError]:
        phone = row["phone"]
        if not phone:
            return []
        earlier = self._first_seen(("phone", phone), row)
        if earlier is not None:
            return [self.error(row, "phone", f"与第 {earlier} 行重复")]
        holder = self.users_by_phone.get(phone)
        if holder is not None and holder != self._user_id_of(row):
            return [self.error(row, "phone", "已被其他账号使用")]
        return []

    def _login(self, row: Row) -> list[RowError]:
        try:
            login = login_name_for(school=row["school"], employee_no=row["employee_no"],
                                   phone=row["phone"])
        except ValidationError:
            return [self.error(row, "phone", "不能为空：本区工号不唯一，须以手机号作为登录名")]
        column = "employee_no" if login == row["employee_no"] else "phone"
        earlier = self._first_seen(("login", login), row)
        if earlier is not None:
            return [self.error(row, column, f"作为登录名与第 {earlier} 行重复")]
        if login in self.users_by_login:
            return [self.error(row, column, f"作为登录名「{login}」已被其他账号使用")]
        # The account and the record are built (and the password hashed) here, during
        # validation, so that the write transaction only inserts and stays short.
        row["user"] = User(username=login, name=row["name"], phone=row["phone"] or None,
                           must_change_password=True,
                           password=initial_password_hash(initial_password(row["id_number"])))
        row["teacher"] = Teacher(user=row["user"], school=row["school"],
                                 id_number=row["id_number"], **_pick(row, TEACHER_FIELDS))
        return []

    def _transfer_date(self, row: Row, current: Teacher) -> list[RowError]:
        on = row["start_date"] or timezone.localdate()
        posting = self.open_postings.get(current.pk)
        row["start_date"] = on
        if posting is not None and on <= posting.start_date:
            return [self.error(row, "start_date", "调动日期须晚于原学校任职的起始日期"
                                                  f"（{posting.start_date:%Y-%m-%d}）")]
        return []

    def _user_id_of(self, row: Row) -> int | None:
        current = self.existing.get(row["id_number"])
        return current.user_id if current is not None else None

    # --- write ---------------------------------------------------------------------------
    def write(self, rows: list[Row]) -> WriteCounts:
        new = [r for r in rows if r["id_number"] not in self.existing]
        known = [r for r in rows if r["id_number"] in self.existing]
        self._create(new)
        updated = self._update(known)
        return WriteCounts(created=len(new), updated=updated, unchanged=len(known) - updated)

    def _create(self, rows: list[Row]) -> None:
        users = [r["user"] for r in rows]
        for batch in self.batches(users, report=False):
            User.objects.bulk_create(batch)
        teachers = [r["teacher"] for r in rows]
        for batch in self.batches(teachers):
            Teacher.objects.bulk_create(batch)
        self._bulk(Teacher.subjects.through, [
            Teacher.subjects.through(teacher_id=t.pk, subject_id=s.pk)
            for r, t in zip(rows, teachers, strict=True) for s in r["subjects"]])
        self._bulk(TeacherPosting, [
            TeacherPosting(teacher=t, school=t.school,
                           start_date=r["start_date"] or date(t.entry_year, 9, 1))
            for r, t in zip(rows, teachers, strict=True)])
        self._bulk(RoleAssignment, [RoleAssignment(user=u, role=Role.TEACHER) for u in users])

    def _bulk(self, model, objects: list) -> None:
        for batch in self.batches(objects, report=False):
            model.objects.bulk_create(batch)

    def _update(self, rows: list[Row]) -> int:
        changes = [self._apply(row) for row in rows]
        changed = [c for c in changes if c.audit]
        now = timezone.now()
        teachers = [c.teacher for c in changed]
        for teacher in teachers:
            teacher.updated_at = now
        for batch in self.batches(teachers):
            Teacher.objects.bulk_update(batch, [*TEACHER_FIELDS, "school", "status",
                                                "updated_at"])
        users = [c.teacher.user for c in changed if c.teacher.user_id]
        for batch in self.batches(users, report=False):
            User.objects.bulk_update(batch, ["name", "phone"])
        self._replace_subjects([c for c in changed if c.subjects_changed])
        self._transfer([c for c in changed if c.transfer_on])
        AuditLog.objects.bulk_create([a for c in changed for a in c.audit],
                                               batch_size=500)
        return len(changed)

    def _apply(self, row: Row) -> "TeacherChange":
        teacher = self.existing[row["id_number"]]
        change = TeacherChange(teacher, row)
        before = snapshot(teacher, TEACHER_AUDIT_FIELDS)
        for name in TEACHER_FIELDS:
            setattr(teacher, name, row[name])
        old, new = changed_fields(before, snapshot(teacher, TEACHER_AUDIT_FIELDS))
        old_subjects = sorted(s.name for s in teacher.subjects.all())
        new_subjects = sorted(s.name for s in row["subjects"])
        if old_subjects != new_subjects:
            change.subjects_changed = True
            old["subjects"], new["subjects"] = old_subjects, new_subjects
        if new:
            change.audit.append(self.audit_entry("teacher.update", teacher, old, new))
        if row["school"].pk != teacher.school_id:
            change.transfer_on = row["start_date"]
            change.audit.append(self.audit_entry(
                "teacher.transfer", teacher, {"school": teacher.school_id},
                {"school": row["school"].pk}, reason="批量导入调动"))
            teacher.school, teacher.status = row["school"], TeacherStatus.ACTIVE
        if teacher.user_id:
            teacher.user.name, teacher.user.phone = teacher.name, teacher.phone or None
        return change

    def _replace_subjects(self, changes: list["TeacherChange"]) -> None:
        through = Teacher.subjects.through
        ids = [c.teacher.pk for c in changes]
        for start in range(0, len(ids), 500):
            through.objects.filter(teacher_id__in=ids[start:start + 500]).delete()
        self._bulk(through, [through(teacher_id=c.teacher.pk, subject_id=s.pk)
                             for c in changes for s in c.row["subjects"]])

    def _transfer(self, changes: list["TeacherChange"]) -> None:
        closing = []
        for change in changes:
            posting = self.open_postings.get(change.teacher.pk)
            if posting is not None:
                posting.end_date = change.transfer_on
                closing.append(posting)
        for batch in self.batches(closing, report=False):
            TeacherPosting.objects.bulk_update(batch, ["end_date"])
        self._bulk(TeacherPosting, [
            TeacherPosting(teacher=c.teacher, school=c.teacher.school,
                           start_date=cast(date, c.transfer_on), note="批量导入调动")
            for c in changes])


class TeacherChange:
    def __init__(self, teacher: Teacher, row: Row):
        self.teacher, self.row = teacher, row
        self.audit: list = []
        self.subjects_changed = False
        self.transfer_on: date | None = None


def _numbers_in_use(numbers: set[str]) -> dict[str, list[tuple]]:
    """工号 -> [(school, district, 身份证号)] of teachers already holding it."""
    found: dict[str, list[tuple]] = {}
    values = sorted(numbers)
    for start in range(0, len(values), 5000):
        for row in Teacher.objects.filter(employee_no__in=values[start:start + 5000]).values_list(
                "employee_no", "school_id", "school__district_id", "id_number"):
            found.setdefault(row[0], []).append(row[1:])
    return found


def _users_by(values: set[str], field_name: str) -> dict[str, int]:
    found: dict[str, int] = {}
    ordered = sorted(values)
    for start in range(0, len(ordered), 5000):
        chunk = ordered[start:start + 5000]
        found.update(User.objects.filter(**{f"{field_name}__in": chunk})
                     .values_list(field_name, "pk"))
    return found
