"""The 操作日志 list on the shared list mechanism."""

import json
from functools import lru_cache

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q

from yanxun.core.listing import Column, Filter, ListSpec, register_spec, scoped_for
from yanxun.core.models import AuditLog

# Chinese names of audit actions; modules add theirs with ACTION_LABELS.update(...).
ACTION_LABELS: dict[str, str] = {
    "teacher.create": "新增教师",
    "teacher.update": "修改教师",
    "teacher.transfer": "教师调动",
    "school.create": "新增学校",
    "school.update": "修改学校",
    "user.create": "新增用户",
    "user.update": "修改用户",
    "user.password_change": "修改密码",
    "user.password_reset": "重置密码",
    "role.assign": "授予角色",
    "role.revoke": "撤销角色",
    "api_token.create": "创建 API 令牌",
    "export.personal_data": "导出个人信息",
    "import.schools": "导入学校",
    "import.teachers": "导入教师",
    "demo.build": "生成演示数据",
    "demo.reset": "清除演示数据",
}
SHORT = 160


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def action_choices(user):
    return sorted(ACTION_LABELS.items(), key=lambda item: item[0])


def as_json(value) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


@lru_cache(maxsize=512)
def field_label(object_type: str, name: str) -> str:
    """The Chinese name of a model field named in a log entry, else the name itself."""
    try:
        field = apps.get_model(object_type)._meta.get_field(name)
        return str(getattr(field, "verbose_name", name))
    except (LookupError, ValueError, FieldDoesNotExist):
        return name


def _brief(value) -> str:
    text = value if isinstance(value, str) else as_json(value)
    return "空" if text in ("", "null", None) else text


def changes_text(log: AuditLog) -> str:
    """修改前/后 in one line: 职称：none → first；入职年份：2004 → 2005."""
    before, after = log.before or {}, log.after or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        text = f"{as_json(log.before)} → {as_json(log.after)}"
    else:
        parts = []
        for key in dict.fromkeys([*before, *after]):
            label = field_label(log.object_type, key)
            if key in before and key in after:
                parts.append(f"{label}：{_brief(before[key])} → {_brief(after[key])}")
            elif key in after:
                parts.append(f"{label}：{_brief(after[key])}")
            else:
                parts.append(f"{label}：{_brief(before[key])}（删除）")
        text = "；".join(parts)
    return text if len(text) <= SHORT else text[:SHORT] + "…"


def audit_queryset(user):
    from yanxun.accounts.rules import VIEW_AUDIT_LOG

    return scoped_for(AuditLog.objects.select_related("actor"), user, VIEW_AUDIT_LOG)


def _actor_like(queryset, value: str):
    return queryset.filter(Q(actor__username__icontains=value) | Q(actor__name__icontains=value))


def _audit_spec() -> ListSpec:
    from yanxun.accounts.rules import VIEW_AUDIT_LOG

    return ListSpec(
        name="audit_log",
        title="操作日志",
        columns=(
            Column("at", "时间", "at", sort="at", width=20),
            Column("actor", "操作人", lambda log: str(log.actor) if log.actor else "系统",
                   sort="actor__username", width=12),
            Column("action", "操作", lambda log: action_label(log.action), sort="action",
                   width=14),
            Column("object", "对象", "object_repr", width=20),
            Column("object_type", "对象类型", "object_type", width=16, page=False),
            Column("object_id", "对象编号", "object_id", width=10, page=False),
            Column("changes", "变更内容", changes_text, export=False, wrap=True),
            Column("before", "修改前", lambda log: as_json(log.before), page=False, width=50),
            Column("after", "修改后", lambda log: as_json(log.after), page=False, width=50),
            Column("reason", "原因", "reason", width=20),
            Column("ip", "IP", "ip", width=16),
        ),
        base_queryset=audit_queryset,
        search_fields=("object_repr__icontains", "object_id"),
        search_label="对象名称 / 编号",
        filters=(
            Filter("date_from", "起始日期", "at__date", kind="date_from"),
            Filter("date_to", "截止日期", "at__date", kind="date_to"),
            Filter("user", "操作人", kind="text", apply=_actor_like),
            Filter("action", "操作", "action", choices=action_choices),
        ),
        default_sort="-at",
        view_perm=VIEW_AUDIT_LOG,
        export_perm=VIEW_AUDIT_LOG,
        personal_data=True,  # before/after snapshots hold people's records
    )


AUDIT_LOG = register_spec(_audit_spec())
