"""站内消息 of 师干训: what a teacher is told when someone else changes their enrolment,
decides their hours claim, accredits their hours or issues their certificate.

Each function is called by the one writer of its workflow (enrolment_transition,
claim_transition, hours.program_accredit, certificates._issue), inside its transaction and
after its 操作日志 row: the message is written with the event and rolls back with it. The
dedupe key is the message kind and that 操作日志 row, so an event is never reported twice,
while a second event of the same kind (promoted again after re-enrolling, a claim returned
twice) is a message of its own.
"""

from __future__ import annotations

from django.urls import reverse

from yanxun.core.models import AuditLog
from yanxun.notifications.services import Message, send

ENROLMENT = {
    # action of enrolment_transition: (kind, title, body)
    "promote": ("training.promoted", "候补转正：{program}",
                "有名额空出，您已由候补转为录取（{training_class}）。"),
    "promote_by_hand": ("training.promoted", "候补转正：{program}",
                        "培训负责人已将您由候补转为录取（{training_class}）。"),
    "approve": ("training.enrolment_approved", "报名审核通过：{program}",
                "学校审核通过，当前状态：{status}。"),
    "reject": ("training.enrolment_rejected", "报名未通过：{program}",
               "学校审核未通过。原因：{reason}"),
    "enrol": ("training.enrolled_by_staff", "统一报名：{program}",
              "已为您报名{training_class}，当前状态：{status}。"),
    "remove": ("training.enrolment_removed", "移出名单：{program}",
               "您已被移出{training_class}名单。原因：{reason}"),
    "move": ("training.enrolment_moved", "班次调整：{program}", "{reason}，当前状态：{status}。"),
}
CLAIM = {
    # (who decided, new status): (kind, title, body)
    ("school", "school_approved"): ("training.claim_school_approved", "学时申报学校审核通过：{title}",
                                    "已提交区教师发展中心认定。"),
    ("school", "returned"): ("training.claim_returned", "学时申报被退回：{title}",
                             "学校退回，理由：{reason}。请修改后重新提交。"),
    ("school", "rejected"): ("training.claim_rejected", "学时申报未通过：{title}",
                             "学校审核未通过，理由：{reason}"),
    ("centre", "accredited"): ("training.claim_accredited", "学时申报已认定：{title}",
                               "认定 {hours} 学时，已计入您的学时档案。"),
    ("centre", "returned"): ("training.claim_returned", "学时申报被退回：{title}",
                             "中心退回，理由：{reason}。请修改后重新提交。"),
    ("centre", "rejected"): ("training.claim_rejected", "学时申报不予认定：{title}",
                             "中心不予认定，理由：{reason}"),
    ("centre", "revoked"): ("training.claim_revoked", "学时认定已撤销：{title}",
                            "中心撤销了该申报的学时认定，理由：{reason}"),
}


def _key(kind: str, log: AuditLog) -> str:
    return f"{kind}:{log.pk}"


def enrolment_changed(enrolment, *, action: str, actor, log: AuditLog, reason: str) -> None:
    """A message to the teacher when someone else promoted, approved, rejected, enrolled,
    removed or moved them; their own enrolment or withdrawal is no news to them."""
    spec = ENROLMENT.get(action)
    user_id = enrolment.teacher.user_id
    if spec is None or user_id is None or (actor is not None and actor.pk == user_id):
        return
    from yanxun.training.enrolment import status_text

    kind, title, body = spec
    training_class = enrolment.training_class
    values = {"program": training_class.program.name, "training_class": training_class.name,
              "reason": reason,
              "status": status_text(enrolment)}
    send([Message(user_id, kind, title.format(**values), body.format(**values),
                  reverse("training:my_training"), _key(kind, log))])


def claim_decided(claim, *, who: str, current: str, to: str, reason: str,
                  log: AuditLog) -> None:
    """A message to the teacher on each decision of the school or the centre."""
    status = "revoked" if current == "accredited" else str(to)
    spec = CLAIM.get((who, status))
    user_id = claim.teacher.user_id
    if spec is None or user_id is None:
        return
    from yanxun.training.hours import plain

    kind, title, body = spec
    values = {"title": claim.title, "reason": reason,
              "hours": plain(claim.hours) if claim.hours is not None else ""}
    send([Message(user_id, kind, title.format(**values), body.format(**values),
                  reverse("training:claim_detail", args=[claim.pk]), _key(kind, log))])


def hours_accredited(teacher, record, *, before, log: AuditLog) -> Message | None:
    """The message for a program's hours accredited (or changed) for a teacher."""
    if teacher.user_id is None:
        return None
    from yanxun.training.hours import plain

    kind = "training.hours_accredited"
    body = (f"认定 {plain(record.hours)} 学时，已计入您的学时档案。" if before is None else
            f"认定学时由 {plain(before)} 调整为 {plain(record.hours)}。")
    return Message(teacher.user_id, kind, f"学时认定：{record.title}", body,
                   reverse("training:my_hours"), _key(kind, log))


def hours_revoked(teacher, title: str, *, reason: str, log: AuditLog) -> Message | None:
    if teacher.user_id is None:
        return None
    kind = "training.hours_revoked"
    return Message(teacher.user_id, kind, f"学时认定已撤销：{title}", f"原因：{reason}",
                   reverse("training:my_hours"), _key(kind, log))


def certificate_issued(certificate, *, log: AuditLog) -> Message | None:
    """The message for a certificate issued to a teacher (培训证书 or 学时证明)."""
    user_id = certificate.teacher.user_id
    if user_id is None:
        return None
    from yanxun.training.enums import CertificateKind
    from yanxun.training.hours import plain

    kind = "training.certificate_issued"
    label = CertificateKind(certificate.kind).label
    return Message(user_id, kind, f"{label}已发放：{certificate.title}",
                   f"编号 {certificate.serial}，{plain(certificate.hours)} 学时。可在「我的学时」下载。",
                   reverse("training:my_hours"), _key(kind, log))


def send_all(messages) -> None:
    send([m for m in messages if m is not None])
