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
    return [{"section": name, "items": items} for name, items in sections.items()]
