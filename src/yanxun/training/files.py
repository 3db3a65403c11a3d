"""Uploaded files of 师干训 (claim evidence, the certificate seal), checked by their content —
never by their name or the browser's content type — and stored under MEDIA_ROOT with a random
name. They are served only as downloads, with the content type their content was found to be."""

from __future__ import annotations

import secrets
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import FileResponse, Http404

from yanxun.core.exports import content_disposition

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SUFFIX = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png", DOCX: ".docx", XLSX: ".xlsx"}
EVIDENCE_TYPES = (PDF, JPEG, PNG, DOCX, XLSX)
IMAGE_TYPES = (PNG, JPEG)
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_MAX_FILES = 5
SEAL_MAX_BYTES = 2 * 1024 * 1024
NAME_MAX = 200


def sniff(data: bytes) -> str | None:
    """The content type the bytes are, among those we accept; None if none of them."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"PK\x03\x04"):
        return _office(data)
    return None


def _office(data: bytes) -> str | None:
    """A .docx or .xlsx is a ZIP with [Content_Types].xml and its main part; reading the
    directory does not inflate anything."""
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


@dataclass
class CheckedFile:
    name: str  # the uploader's file name, for the download
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    def content_file(self) -> ContentFile:
        """The bytes under a random name with the suffix of what they are."""
        return ContentFile(self.data, name=secrets.token_hex(16) + SUFFIX[self.content_type])


def _read(upload, limit: int) -> bytes:
    data = bytearray()
    for chunk in upload.chunks():
        data += chunk
        if len(data) > limit:
            break
    return bytes(data)


def _mb(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB"


def check_evidence(uploads) -> list[CheckedFile]:
    """Every file a PDF, JPEG, PNG, Word (.docx) or Excel (.xlsx) by content, none empty or
    over the size limit, at most EVIDENCE_MAX_FILES; else ValidationError naming the file."""
    uploads = list(uploads)
    if len(uploads) > EVIDENCE_MAX_FILES:
        raise ValidationError(f"一次最多上传 {EVIDENCE_MAX_FILES} 个证明材料。")
    checked, errors = [], []
    for upload in uploads:
        name = (upload.name or "材料")[-NAME_MAX:]
        data = _read(upload, EVIDENCE_MAX_BYTES)
        kind = sniff(data)
        if not data:
            errors.append(f"「{name}」是空文件。")
        elif len(data) > EVIDENCE_MAX_BYTES:
            errors.append(f"「{name}」超过 {_mb(EVIDENCE_MAX_BYTES)}。")
        elif kind is None:
            errors.append(f"「{name}」不是 PDF、JPG、PNG、Word（.docx）或 Excel（.xlsx）文件"
                          "（按文件内容判断，与扩展名无关）。")
        else:
            checked.append(CheckedFile(name, kind, data))
    if errors:
        raise ValidationError(errors)
    return checked


def check_seal(upload) -> CheckedFile:
    name = (upload.name or "印章")[-NAME_MAX:]
    data = _read(upload, SEAL_MAX_BYTES)
    if len(data) > SEAL_MAX_BYTES:
        raise ValidationError(f"印章图片超过 {_mb(SEAL_MAX_BYTES)}。")
    kind = sniff(data)
    if kind not in IMAGE_TYPES:
        raise ValidationError("印章图片应为 PNG 或 JPEG 图片（按文件内容判断）。")
    return CheckedFile(name, kind, data)


def download_response(stored, allowed: tuple[str, ...], name: str | None = None) -> FileResponse:
    """The one way a checked upload leaves the server (claim evidence, entry files, objection
    evidence): `stored` has `file`, `content_type` and `original_name`; served as a download
    (never inline) with the type its content was found to be, no sniffing, no caching,
    sandboxed, under `name` or its original name. The caller has checked that the user may
    have it; a type outside `allowed` or a missing file is 404."""
    if stored.content_type not in allowed:
        raise Http404("未找到该文件。")
    try:
        handle = stored.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404("文件已不存在。") from None
    response = FileResponse(handle, content_type=stored.content_type)
    response["Content-Disposition"] = content_disposition(name or stored.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
