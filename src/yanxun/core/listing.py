"""One list mechanism for every list page, its Excel export and its API.

A `ListSpec` declares what a list shows (columns), how it can be narrowed (search, filters),
how it can be ordered (a whitelist of sort keys) and which rows a user may see (its
`base_queryset(user)`, scoped through core.permissions). Pages render it with
`render_list`, exports write it with core.exports, the API pages through it with
`api_page` — so a filter or a data-scope rule cannot differ between the three.

Query parameters (the same on pages, export links and the API):
    q=<search>  <filter key>=<value>  sort=<column key> | -<column key>
    page=<n>  per_page=20|50|100   (API: limit, offset)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from html import escape as html_escape
from typing import Any
from urllib.parse import urlencode

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from yanxun.core.cache import TTLCache
from yanxun.core.permissions import Permission, best_scope, has_perm, scope_filter, scope_key
from yanxun.core.versions import LocalCache

FULL_FLAG = "yx_personal_full"
# Options of filters drawn from the database (schools, subjects, groups) for one user and
# role set: asked for on every page view, they change a few times a year. The worker that
# saves a change clears them at once (yanxun.core.apps); other workers within this time.
CHOICES_SECONDS = 60
SEARCH_MAX = 100
MAX_ID = 2**63 - 1  # the largest primary key a database integer column holds
SPECS: dict[str, ListSpec] = {}
_CHOICES = TTLCache(seconds=CHOICES_SECONDS, size=2048)


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    value: str | Callable[[Any], Any]  # dotted attribute path, or a function of the row
    sort: str | Any = None  # ORM field path or expression to order by; None = not sortable
    personal: Callable[[str | None], str] | None = None  # masking function of personal data
    width: int = 14  # Excel column width, in characters
    link: bool = False  # on pages, link the cell to the row's detail page
    page: bool = True
    export: bool = True
    wrap: bool = False  # on pages, let long text wrap
    unit: bool = False  # the row's school: not shown on pages to a user who sees one school


@dataclass(frozen=True)
class Filter:
    """A way to narrow the list. kind: choice (a select), text, date_from, date_to."""

    key: str
    label: str
    lookup: str = ""
    kind: str = "choice"
    choices: Sequence[tuple[str, str]] | Callable[[Any], Iterable[tuple[str, str]]] = ()
    apply: Callable[[QuerySet, str], QuerySet] | None = None
    integer: bool = False  # values are primary keys (choices come from a queryset)

    def choices_for(self, user) -> list[tuple[str, str]]:
        if callable(self.choices):
            return _CHOICES.get((self.key, id(self.choices), getattr(user, "pk", None),
                                 scope_key(user)),
                                lambda: [(str(v), str(label)) for v, label in self.choices(user)])
        return [(str(v), str(label)) for v, label in self.choices]

    def problem(self, value: str) -> str | None:
        """None if the value is acceptable, else a Chinese message."""
        if self.kind in ("date_from", "date_to"):
            try:
                date.fromisoformat(value)
            except ValueError:
                return f"「{self.label}」应为日期，格式如 2026-03-01"
        elif self.kind == "choice" and self.integer and not (
                value.isdigit() and len(value) < 20 and int(value) <= MAX_ID):
            return f"「{self.label}」取值无效：{value[:30]}"
        elif self.kind == "choice" and not callable(self.choices) and not self.integer:
            if value not in {str(v) for v, _ in self.choices}:
                return f"「{self.label}」取值无效：{value}"
        elif len(value) > SEARCH_MAX:
            return f"「{self.label}」过长"
        return None

    def filter(self, queryset: QuerySet, value: str) -> QuerySet:
        if self.apply is not None:
            return self.apply(queryset, value)
        if self.kind == "date_from":
            return queryset.filter(**{f"{self.lookup}__gte": date.fromisoformat(value)})
        if self.kind == "date_to":
            return queryset.filter(**{f"{self.lookup}__lte": date.fromisoformat(value)})
        return queryset.filter(**{self.lookup: value})


@dataclass(frozen=True)
class ListSpec:
    name: str  # code name: teachers, schools ... (also `yanxun export <name>`)
    title: str  # 中文, used in headings, sheet names and file names
    columns: tuple[Column, ...]
    base_queryset: Callable[[Any], QuerySet]  # rows the user may see, already scoped
    search_fields: tuple[str, ...] = ()  # ORM lookups OR-ed together, e.g. name__icontains
    search_label: str = ""  # placeholder, e.g. 姓名/工号/手机号
    filters: tuple[Filter, ...] = ()
    default_sort: str = ""  # a column key, '-' for descending
    page_sizes: tuple[int, ...] = (20, 50, 100)
    view_perm: Permission | None = None
    export_perm: Permission | None = None
    personal_perm: Permission | None = None  # full personal values for rows in its scope
    personal_data: bool = False  # rows describe people: every export is audited
    detail_url: Callable[[Any], str] | None = None
    # Fills in, for one page (or one chunk of an export), what the columns read from other
    # tables: a couple of plain queries for the whole batch, cheaper than prefetch_related.
    attach: Callable[[list], Any] | None = None
    # The fields a page reads (the others are deferred): selecting and building fewer columns
    # is a tenth of a list page. Exports and the API read whole rows.
    page_fields: tuple[str, ...] = ()
    # A data version channel (core/versions.py) whose tables hold everything the page's rows
    # show: each worker then keeps rendered pages under the channel's version (ADR 0012).
    # Only for lists whose rows depend on the user through the data scope (scope_key) alone.
    versioned_by: str = ""

    def load(self, objects: list) -> list:
        if self.attach is not None and objects:
            self.attach(objects)
        return objects

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)

    def sort_keys(self) -> set[str]:
        return {c.key for c in self.columns if c.sort}


def register_spec(spec: ListSpec) -> ListSpec:
    SPECS[spec.name] = spec
    return spec


def listable(perm: Permission) -> Permission:
    """The permission to see a *list*: the same roles, minus those limited to 仅本人
    (a teacher sees their own record through 我的档案, not a list of one)."""
    scopes = {role: scope for role, scope in perm.scopes.items() if scope != "self"}
    return Permission(f"{perm.code}.list", perm.label, scopes)


def may_list(user, spec: ListSpec) -> bool:
    return spec.view_perm is None or has_perm(user, listable(spec.view_perm))


def may_export(user, spec: ListSpec) -> bool:
    return spec.export_perm is not None and has_perm(user, spec.export_perm)


@dataclass
class ListQuery:
    search: str = ""
    filters: dict[str, str] = field(default_factory=dict)
    sort: str = ""
    page: int = 1
    per_page: int = 20
    errors: list[str] = field(default_factory=list)

    default_sort: str = ""
    default_per_page: int = 20

    def params(self, **override: Any) -> str:
        """The query string for a link to this list with some parameters changed."""
        values: dict[str, Any] = {"q": self.search, **self.filters, "sort": self.sort,
                                  "per_page": self.per_page, "page": self.page}
        values.update(override)
        defaults = {"sort": self.default_sort, "per_page": self.default_per_page, "page": 1}
        return urlencode({k: v for k, v in values.items()
                          if v not in ("", None) and defaults.get(k, "") != v})

    def describe(self) -> dict[str, str]:
        out = {"q": self.search} if self.search else {}
        return {**out, **self.filters, "sort": self.sort}


def _clean_text(raw: Any) -> str:
    """A parameter as text, without NUL characters (PostgreSQL refuses them)."""
    return str(raw or "").replace("\x00", "").strip()


def _positive_int(raw: Any, default: int) -> int:
    try:
        value = int(str(raw))
    except (TypeError, ValueError):
        return default
    return value if value > 0 else default


def parse_query(spec: ListSpec, params: Mapping[str, Any]) -> ListQuery:
    """Read and check the list parameters; bad values are dropped and described in errors."""
    query = ListQuery(search=_clean_text(params.get("q"))[:SEARCH_MAX],
                      default_sort=spec.default_sort, default_per_page=spec.page_sizes[0])
    for flt in spec.filters:
        value = _clean_text(params.get(flt.key))
        if not value:
            continue
        problem = flt.problem(value)
        if problem:
            query.errors.append(problem)
        else:
            query.filters[flt.key] = value
    sort = _clean_text(params.get("sort"))
    if sort and sort.lstrip("-") not in spec.sort_keys():
        query.errors.append(f"不能按「{sort}」排序")
        sort = ""
    query.sort = sort or spec.default_sort
    per_page = _positive_int(params.get("per_page"), spec.page_sizes[0])
    query.per_page = per_page if per_page in spec.page_sizes else spec.page_sizes[0]
    query.page = _positive_int(params.get("page"), 1)
    return query


def filtered_queryset(spec: ListSpec, user, query: ListQuery) -> QuerySet:
    """The rows the user may see that match the search and filters, in the chosen order."""
    queryset = spec.base_queryset(user)
    if query.search and spec.search_fields:
        condition = Q()
        for lookup in spec.search_fields:
            condition |= Q(**{lookup: query.search})
        queryset = queryset.filter(condition)
    for flt in spec.filters:
        if flt.key in query.filters:
            queryset = flt.filter(queryset, query.filters[flt.key])
    return queryset.order_by(*_ordering(spec, query.sort))


def _ordering(spec: ListSpec, sort: str) -> list[str]:
    column = spec.column(sort.lstrip("-")) if sort else None
    if column is None or not column.sort:
        return ["pk"]
    descending = sort.startswith("-")
    prefix = "-" if descending else ""
    if isinstance(column.sort, str):
        return [prefix + column.sort, prefix + "pk"]
    return [column.sort.desc() if descending else column.sort.asc(), prefix + "pk"]


def with_personal_flag(spec: ListSpec, user, queryset: QuerySet) -> QuerySet:
    """Annotate each row with whether this user may see its personal data in full."""
    if spec.personal_perm is None or user is None:
        return queryset.annotate(**{FULL_FLAG: Value(user is None)})
    condition = scope_filter(queryset.model, user, spec.personal_perm)
    if condition is None:
        return queryset.annotate(**{FULL_FLAG: Value(True)})
    return queryset.annotate(**{FULL_FLAG: Case(When(condition, then=Value(True)),
                                                default=Value(False),
                                                output_field=BooleanField())})


def scope_label(user, spec: ListSpec) -> str:
    from yanxun.core.enums import DataScope

    scope = best_scope(user, spec.view_perm) if spec.view_perm else None
    return DataScope(scope).label if scope else ""


@dataclass
class ListPage:
    spec: ListSpec
    query: ListQuery
    total: int
    objects: list
    number: int
    pages: int
    rows: list[dict] | None = None  # the page's table rows; built from objects when None
    columns: tuple[Column, ...] | None = None  # the columns of those rows (shown_columns)


def page_of(spec: ListSpec, user, query: ListQuery) -> ListPage:
    queryset = filtered_queryset(spec, user, query)
    total = queryset.count()
    pages = max(1, math.ceil(total / query.per_page))
    number = min(query.page, pages)
    start = (number - 1) * query.per_page
    if spec.page_fields:
        queryset = queryset.only(*spec.page_fields)
    objects = spec.load(list(queryset[start:start + query.per_page])) if total else []
    return ListPage(spec, query, total, objects, number, pages)


def shown_columns(spec: ListSpec, user) -> tuple[Column, ...]:
    """The columns a page shows this user: a `unit` column (the row's school) is left out
    for a user whose data scope is one school — it would say the same on every row."""
    from yanxun.core.enums import DataScope

    one_unit = (spec.view_perm is not None and user is not None
                and best_scope(user, spec.view_perm) == DataScope.UNIT)
    return tuple(c for c in spec.columns if c.page and not (one_unit and c.unit))


def rendered_page(spec: ListSpec, user, query: ListQuery) -> ListPage:
    """The page with its table rows built. A spec `versioned_by` a channel is kept in this
    worker's memory under the channel's version, keyed by everything the rows depend on:
    the data scope, the search, filters, sort and page, the day and the script prefix. The
    page's `objects` are then empty: templates read `rows`. (The columns shown depend on the
    scope too: shown_columns.)"""
    columns = shown_columns(spec, user)
    if not spec.versioned_by:
        page = page_of(spec, user, query)
        page.rows, page.columns = [_row(spec, obj, columns) for obj in page.objects], columns
        return page
    from django.urls import get_script_prefix

    def compute() -> tuple[int, int, int, list[dict]]:
        page = page_of(spec, user, query)
        return (page.total, page.number, page.pages,
                [_row(spec, obj, columns) for obj in page.objects])

    key = (spec.name, scope_key(user), query.search, tuple(sorted(query.filters.items())),
           query.sort, query.page, query.per_page, timezone.localdate(), get_script_prefix())
    total, number, pages, rows = _page_cache(spec.versioned_by).get(key, compute)
    return ListPage(spec, query, total, [], number, pages, rows, columns)


_PAGE_CACHES: dict[str, LocalCache] = {}
PAGE_CACHE_SIZE = 256  # pages per channel and worker: ~20 KB each at 20 rows


def _page_cache(channel: str) -> LocalCache:
    if channel not in _PAGE_CACHES:
        _PAGE_CACHES[channel] = LocalCache(channel, size=PAGE_CACHE_SIZE)
    return _PAGE_CACHES[channel]


def page_numbers(current: int, pages: int, around: int = 2) -> list[int]:
    """Page links: the first, the last, and a window around the current one; 0 is a gap (…)."""
    shown = {1, pages, *range(max(1, current - around), min(pages, current + around) + 1)}
    out: list[int] = []
    for number in sorted(shown):
        if out and number - out[-1] > 1:
            out.append(0)
        out.append(number)
    return out


def api_page(spec: ListSpec, user, params: Mapping[str, Any], *, limit: int,
             offset: int) -> tuple[int, list]:
    """(count, rows) for the API: the same search, filters, sort and scope as the page."""
    from django.core.exceptions import ValidationError

    query = parse_query(spec, params)
    if query.errors:
        raise ValidationError(query.errors)
    queryset = filtered_queryset(spec, user, query)
    total = queryset.count()
    rows = spec.load(list(queryset[offset:offset + limit])) if total else []
    return total, rows


def choice_label(attr: str, choices: Iterable[tuple[Any, Any]]) -> Callable[[Any], str]:
    """A column value: the label of a choice field, from a dict (get_FOO_display walks the
    field's choices on every call, which a list page does hundreds of times)."""
    labels = {value: str(label) for value, label in choices}

    def value(obj: Any) -> str:
        raw = getattr(obj, attr)
        return labels.get(raw, raw)

    return value


def detail_link(route: str) -> Callable[[Any], str]:
    """A spec's detail_url for a route taking the row's pk: reversed once per script prefix
    and filled in per row, instead of a reverse() for every row of every page."""
    from django.urls import get_script_prefix, reverse

    marker = 987654321987
    templates: dict[str, tuple[str, str]] = {}

    def url(obj: Any) -> str:
        prefix = get_script_prefix()
        parts = templates.get(prefix)
        if parts is None:
            head, _, tail = reverse(route, args=[marker]).partition(str(marker))
            parts = templates[prefix] = (head, tail)
        return f"{parts[0]}{obj.pk}{parts[1]}"

    return url


def resolve(obj: Any, path: str | Callable[[Any], Any]) -> Any:
    if callable(path):
        return path(obj)
    value = obj
    for part in path.split("."):
        value = getattr(value, part, None) if value is not None else None
    return value() if callable(value) else value


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def cell_text(column: Column, obj: Any, *, unmasked: bool = False) -> str:
    value = resolve(obj, column.value)
    if column.personal is not None and not unmasked:
        return column.personal(value)
    return as_text(value)


# --- pages -------------------------------------------------------------------------------


def render_list(request, spec: ListSpec, *, template: str = "core/list.html",
                context: dict | None = None):
    """A list page, or (with ?format=xlsx) the Excel export of exactly what it shows."""
    from django.core.exceptions import PermissionDenied
    from django.shortcuts import render

    user = request.user
    if not may_list(user, spec):
        raise PermissionDenied(f"无权查看{spec.title}列表。")
    query = parse_query(spec, request.GET)
    if request.GET.get("format") == "xlsx":
        if not may_export(user, spec):
            raise PermissionDenied(f"无权导出{spec.title}。")
        from yanxun.core.exports import xlsx_response

        return xlsx_response(spec, user, query)
    page = rendered_page(spec, user, query)
    return render(request, template, {
        "page_title": spec.title, "table": table_context(request, page), **(context or {}),
    })


def table_context(request, page: ListPage) -> dict:
    spec, query = page.spec, page.query
    columns = page.columns or shown_columns(spec, request.user)
    return {
        "spec": spec,
        "search": {"value": query.search, "placeholder": spec.search_label},
        "filters": _filter_context(spec, request.user, query),
        "sort": query.sort if query.sort != spec.default_sort else "",
        "headers": [_header(c, query) for c in columns],
        "rows": (page.rows if page.rows is not None
                 else [_row(spec, obj, columns) for obj in page.objects]),
        "pagination": _pagination(page),
        "errors": query.errors,
        "export_url": ("?" + query.params(page=1, format="xlsx")
                       if may_export(request.user, spec) else ""),
        "reset_url": request.path,
        "active": bool(query.search or query.filters),
        "filter_count": len(query.filters),
        "scope": scope_label(request.user, spec),
    }


def _filter_context(spec: ListSpec, user, query: ListQuery) -> list[dict]:
    out = []
    for flt in spec.filters:
        value = query.filters.get(flt.key, "")
        options = list(flt.choices_for(user)) if flt.kind == "choice" else []
        if flt.kind == "choice" and len(options) <= 1 and not value:
            continue  # nothing to choose (a school admin's own school)
        out.append({"key": flt.key, "label": flt.label, "kind": flt.kind, "value": value,
                    "options_html": _options_html(flt.label, tuple(options), value)})
    return out


@lru_cache(maxsize=512)
def _options_html(label: str, options: tuple[tuple[str, str], ...], value: str) -> SafeString:
    """The <option>s of a filter, built here rather than in a template loop: a list page
    renders a hundred of them and the template engine made them a third of the page's cost.
    Every value is escaped with html.escape (quotes included) before it is marked safe.
    The same options are asked for on most pages, hence the cache (keyed by their values)."""
    parts = []
    for key, text in options:
        chosen = str(key) == value
        parts.append(f'<option value="{_e(key)}"{" selected" if chosen else ""}>'
                     f'{_e(label) + "：" if chosen else ""}{_e(text)}</option>')
    return mark_safe("".join(parts))  # noqa: S308  escaped above


def _e(value: Any) -> str:
    return html_escape(str(value), quote=True)


def _header(column: Column, query: ListQuery) -> dict:
    if not column.sort:
        return {"label": column.header, "url": "", "dir": ""}
    current = query.sort.lstrip("-") == column.key
    descending = query.sort.startswith("-")
    direction = ("desc" if descending else "asc") if current else ""
    target = ("" if descending else "-") + column.key if current else column.key
    return {"label": column.header, "url": "?" + query.params(sort=target, page=1),
            "dir": direction, "key": column.key}


def _row(spec: ListSpec, obj: Any, shown: tuple[Column, ...]) -> dict:
    """One table row: its cell texts, and its HTML built in Python for speed (see
    _options_html); every value is escaped before the row is marked safe."""
    url = spec.detail_url(obj) if spec.detail_url else ""
    columns = _opening_tags(shown)
    cells = [{"key": c.key, "text": cell_text(c, obj)} for c, _ in columns]
    markup = "".join(_cell_html(c, opening, cell["text"], url)
                     for (c, opening), cell in zip(columns, cells, strict=True))
    return {"cells": cells, "html": mark_safe(f"<tr>{markup}</tr>"),  # noqa: S308  escaped
            "url": url}


@lru_cache(maxsize=256)
def _opening_tags(columns: tuple[Column, ...]) -> tuple[tuple[Column, str], ...]:
    """The columns a page shows, each with its opening <td> tag (the same on every row)."""
    out = []
    for column in columns:
        if column.page:
            css = ' class="masked"' if column.personal is not None else (
                ' class="cell-wrap"' if column.wrap else "")
            out.append((column, f'<td data-label="{_e(column.key)}"{css}>'))
    return tuple(out)


def _cell_html(column: Column, opening: str, text: str, url: str) -> str:
    text = _e(text)
    if column.link and url:
        text = f'<a href="{_e(url)}">{text}</a>'
    return f"{opening}{text}</td>"


def _pagination(page: ListPage) -> dict:
    query = page.query
    return {
        "total": page.total, "number": page.number, "pages": page.pages,
        "prev_url": "?" + query.params(page=page.number - 1) if page.number > 1 else "",
        "next_url": "?" + query.params(page=page.number + 1) if page.number < page.pages else "",
        "links": [{"number": n, "url": "?" + query.params(page=n) if n else "",
                   "current": n == page.number} for n in page_numbers(page.number, page.pages)],
        "per_page": query.per_page, "page_sizes": page.spec.page_sizes,
    }


def scoped_for(queryset: QuerySet, user, perm: Permission) -> QuerySet:
    """`scoped`, where user None is the server operator (command line): every row."""
    from yanxun.core.permissions import scoped

    return queryset if user is None else scoped(queryset, user, perm)
