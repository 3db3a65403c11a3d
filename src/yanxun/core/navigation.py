"""The sidebar: each module adds its entries here with the permission that shows them."""

from dataclasses import dataclass
from functools import lru_cache
from html import escape

from django.urls import get_script_prefix, reverse
from django.utils.safestring import SafeString, mark_safe

from yanxun.core.permissions import Permission, user_roles


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
    _nav_for.cache_clear()


def nav_for(user, current_path: str) -> list[dict]:
    """The sidebar for a user on a page. What it shows depends only on the user's roles (a
    permission is granted per role) and the page's path, so it is built once per role set and
    path in each worker (bounded), not reversed and filtered on every request. Callers must
    not change the result."""
    return _nav_for(frozenset(user_roles(user)), current_path, get_script_prefix())


@lru_cache(maxsize=4096)
def _nav_for(roles: frozenset[str], current_path: str, script_prefix: str) -> list[dict]:
    sections: dict[str, list[dict]] = {}
    entries = []
    for item in NAV:
        if item.perm is not None and not roles.intersection(item.perm.scopes):
            continue
        url = reverse(item.url_name)
        entry = {"label": item.label, "url": url, "active": False}
        sections.setdefault(item.section, []).append(entry)
        entries.append(entry)
    # The one entry whose address is the longest prefix of the page's (/quality/retention/
    # is 学生数据保留期限, not also 考试与质量分析 at /quality/).
    matches = [e for e in entries if current_path == e["url"]
               or (e["url"] != "/" and current_path.startswith(e["url"]))]
    if matches:
        max(matches, key=lambda e: len(e["url"]))["active"] = True
    ordered = sorted(sections.items(), key=lambda kv: _section_rank(kv[0]))
    return [{"section": name, "items": items} for name, items in ordered]


def _section_rank(name: str) -> int:
    if name == SECTION_ORDER[-1]:
        return 10_000  # 系统管理 stays last, after the modules' own sections
    return SECTION_ORDER.index(name) if name in SECTION_ORDER else len(SECTION_ORDER)


def nav_html(sections: list[dict]) -> SafeString:
    """The sidebar's <li> items, built once per distinct menu (a role set on a page) and
    reused: the template loop over twenty links was a tenth of a list page's cost."""
    return _nav_html(tuple(
        (section["section"], tuple((i["label"], i["url"], i["active"]) for i in section["items"]))
        for section in sections))


@lru_cache(maxsize=1024)
def _nav_html(sections: tuple) -> SafeString:
    parts = []
    for name, items in sections:
        parts.append(f'<li class="nav-item nav-section text-secondary small px-3 pt-3">'
                     f'{escape(name)}</li>')
        for label, url, active in items:
            parts.append(f'<li class="nav-item{" active" if active else ""}">'
                         f'<a class="nav-link" href="{escape(url)}"><span class="nav-link-title">'
                         f'{escape(label)}</span></a></li>')
    return mark_safe("".join(parts))  # noqa: S308  every value escaped above
