"""Printable PDFs from Django templates, drawn by WeasyPrint (ADR 0008).

A report template extends ``core/pdf_base.html`` (A4, Noto CJK fonts, "第 N 页 / 共 M 页" in
the footer, table headers repeated on every page) and shows its charts as
``<img class="chart" src="{{ uri }}">`` with URIs from ``core.charts.svg_data_uri``: WeasyPrint
runs no JavaScript, so charts come as SVG drawn on the server.
"""

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

# Images and styles come from data: URIs or local files; never from the network.
ALLOWED_PROTOCOLS = {"data", "file"}


class PdfError(Exception):
    """The PDF could not be made; the message is in Chinese."""


def render_pdf(template_name: str, context: dict[str, Any], *,
               base_url: str | None = None) -> bytes:
    """The template rendered with `context` and printed to PDF; relative URLs in it resolve
    against `base_url` (default: the package's static folder)."""
    # Imported here: WeasyPrint takes ~0.5 s to import, which every process that loads the
    # URLconf (each command line run, through Django's system checks) would otherwise pay.
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    html = render_to_string(template_name, context)
    fetcher = URLFetcher(allowed_protocols=ALLOWED_PROTOCOLS, fail_on_errors=True)
    document = HTML(string=html, base_url=base_url or str(settings.PACKAGE_DIR / "static"),
                    url_fetcher=fetcher)
    try:
        return document.write_pdf()
    except FatalURLFetchingError as error:  # a BaseException: turn it into an ordinary error
        raise PdfError(f"生成 PDF 失败，无法读取报告中的图片或样式：{error}") from error
