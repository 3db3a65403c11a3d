"""The sidebar: each module adds its entries here with the permission that shows them."""

from dataclasses import dataclass

from django.urls import reverse

from yanxun.core.permissions import Permission, has_perm


@dataclass(frozen=True)
class NavItem:
    section: str
    label: str
    url_name: str
    perm: Permission | None = None


NAV: list[NavItem] = []
# Sections appear in this order; a section not listed comes after them, in order of appearance.
SECTION_ORDER = ["工作台", "组织与人员", "系统管理"]


def register(*items: NavItem) -> None:
    NAV.extend(items)


def nav_for(user, current_path: str) -> list[dict]:
    sections: dict[str, list[dict]] = {}
    for item in NAV:
        if item.perm is not None and not has_perm(user, item.perm):
            continue
        url = reverse(item.url_name)
        sections.setdefault(item.section, []).append({
            "label": item.label, "url": url,
            "active": current_path == url or (url != "/" and current_path.startswith(url)),
        })
    ordered = sorted(sections.items(), key=lambda kv: _section_rank(kv[0]))
    return [{"section": name, "items": items} for name, items in ordered]


def _section_rank(name: str) -> int:
    if name == SECTION_ORDER[-1]:
        return 10_000  # 系统管理 stays last, after the modules' own sections
    return SECTION_ORDER.index(name) if name in SECTION_ORDER else len(SECTION_ORDER)
