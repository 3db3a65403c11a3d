"""学时申报导入: a school administrator imports their teachers' claims for outside learning from
an Excel file (e.g. everyone who attended a provincial training), through the core import
framework — template, row-level Chinese errors, nothing written unless the whole file is good.

The school's import is its approval: imported claims start at 待中心认定 (claims.IMPORTED_STATUS),
with the importer as the school's decider, and go on through claims.claim_transition like any
other. Evidence stays with the school (the centre may return a claim to ask for it). A claim
already there (same teacher, rule, date and title) or repeated in the file is refused."""

from __future__ import annotations

from django.utils import timezone

from yanxun.core.imports.framework import Column, Importer, Row, RowError, WriteCounts, register
from yanxun.core.imports.readers import ROW
from yanxun.core.models import AuditLog
from yanxun.org.enums import TeacherStatus
from yanxun.org.importers import EXAMPLE_ID
from yanxun.org.models import Teacher
from yanxun.training import rules
from yanxun.training.claims import DAYS_MAX, IMPORTED_STATUS
from yanxun.training.models import ClaimRule, HourClaim


def _key(row: Row) -> tuple:
    return (row.get("id_number"), row.get("rule_name"), row.get("happened_on"),
            (row.get("title") or "").strip())


@register
class HourClaimImporter(Importer):
    kind = "hour_claims"
    label = "学时申报"
    nav_label = "学时申报导入"
    model = HourClaim
    natural_key = "key"
    permission = rules.APPROVE_CLAIMS
    school_field = "school"
    notes = [
        "导入即视为学校已审核：申报进入「待中心认定」，由中心认定学时；证明材料由学校留存。",
        "「申报类型」填写学时申报标准中的名称（如 区级公开课/示范课），按天计的类型须填写天数。",
        "同一教师、申报类型、日期和名称的申报不能重复导入。",
    ]
    columns = [
        Column("身份证号", "id_number", required=True, kind="id_number", example=EXAMPLE_ID,
               help="按身份证号识别教师"),
        Column("姓名", "name", required=True, max_length=50, example="张晓明",
               help="须与身份证号对应的教师姓名一致"),
        Column("申报类型", "rule_name", required=True, max_length=50, example="区级公开课/示范课",
               help="学时申报标准中的名称"),
        Column("名称", "title", required=True, max_length=200, example="区级公开课《背影》"),
        Column("日期", "happened_on", required=True, kind="date", example="2025-04-10"),
        Column("天数", "days", kind="int", min_value=1, max_value=DAYS_MAX, example="",
               help="仅按天计学时的类型（外出培训）填写"),
        Column("说明", "description", max_length=500, example=""),
    ]

    def validate_frame(self, frame):
        rows, errors = super().validate_frame(frame)
        for row in rows:
            row["key"] = _key(row)
        return rows, errors

    def check_row(self, row: Row) -> list[RowError]:
        if row["happened_on"] > timezone.localdate():
            return [self.error(row, "happened_on", "日期不能晚于今天")]
        return []

    def load_context(self, rows: list[Row]) -> None:
        self.teachers = self.fetch_in(Teacher.objects.select_related("school"), "id_number",
                                      {r["id_number"] for r in rows})
        self.rules = {r.name: r for r in ClaimRule.objects.filter(is_active=True)}
        teacher_ids = [t.pk for t in self.teachers.values()]
        self.taken = {
            (c.teacher.id_number, c.rule.name, c.happened_on, c.title.strip())
            for c in HourClaim.objects.filter(teacher_id__in=teacher_ids)
            .select_related("teacher", "rule")}
        self.existing = {}  # claims are never updated by an import

    def prepare_row(self, row: Row) -> list[RowError]:
        errors = []
        teacher = self.teachers.get(row["id_number"])
        if teacher is None or teacher.status != TeacherStatus.ACTIVE:
            errors.append(self.error(row, "id_number", "找不到该身份证号的在职教师"))
        elif teacher.name != row["name"].strip():
            errors.append(self.error(row, "name", f"与身份证号对应的教师姓名（{teacher.name}）不一致"))
        rule = self.rules.get(row["rule_name"].strip())
        if rule is None:
            errors.append(self.error(row, "rule_name", "不在学时申报标准中，或已停用"))
        elif rule.per_day and not row["days"]:
            errors.append(self.error(row, "days", f"「{rule.name}」按天计学时，请填写天数"))
        elif not rule.per_day and row["days"]:
            errors.append(self.error(row, "days", f"「{rule.name}」不按天计，天数应留空"))
        if not errors and row["key"] in self.taken:
            errors.append(self.error(row, "title", "已有相同的申报（同一教师、类型、日期和名称）"))
        if not errors:
            row.update(teacher=teacher, rule=rule, school=teacher.school)
        return errors

    def write(self, rows: list[Row]) -> WriteCounts:
        now = timezone.now()
        actor = self.actor if self.actor is not None and self.actor.is_authenticated else None
        claims = [HourClaim(teacher=row["teacher"], rule=row["rule"], title=row["title"].strip(),
                            happened_on=row["happened_on"], days=row["days"] or None,
                            description=(row["description"] or "").strip(),
                            status=IMPORTED_STATUS, school_decided_by=actor,
                            school_decided_at=now, reason="学校批量申报")
                  for row in rows]
        made = []
        for batch in self.batches(claims):
            made += HourClaim.objects.bulk_create(batch)
        AuditLog.objects.bulk_create([
            self.audit_entry("hours.claim_import", claim, None,
                             {"status": str(IMPORTED_STATUS), "rule": claim.rule.name,
                              "title": claim.title, "happened_on": str(claim.happened_on),
                              "row": row[ROW]})
            for claim, row in zip(made, rows, strict=True)])
        return WriteCounts(created=len(made))
