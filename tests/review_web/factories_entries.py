"""Test data of competitions and entries: files that are what they say (a PDF, a .pptx) and
one that is not, the author's input, and entries brought to a status through the services."""

import io
import zipfile
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.review_web.factories import CompetitionFactory, GroupFactory
from yanxun.core.enums import Role
from yanxun.review.entries import EntryInput, entry_create
from yanxun.review.models import CompetitionGroup, Entry
from yanxun.review.recommend import entry_accept, entry_recommend

PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def pdf(name: str = "函数的概念-教学设计.pdf", data: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def not_a_pdf(name: str = "教学设计.pdf") -> SimpleUploadedFile:
    """A Windows program named .pdf."""
    return SimpleUploadedFile(name, b"MZ\x90\x00" + b"\x00" * 60, content_type="application/pdf")


def pptx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("ppt/presentation.xml", "<presentation/>")
    return buffer.getvalue()


def competition_with_group(*, quota: int = 2, group_quota: int | None = None, **fields):
    """An open competition (the shared factory's entry form: 课堂实录链接 url required, 教学设计
    file required, 作者简介 textarea identifying) with one group 初中数学组, code letter A."""
    competition = CompetitionFactory(quota_per_school=quota, **fields)
    group = GroupFactory(competition=competition, name="初中数学组", code_prefix="A",
                         quota_per_school=group_quota)
    return competition, group


def full_input(title: str = "函数的概念", **overrides) -> EntryInput:
    values = {"video": "https://video.example.cn/lesson/1", "intro": "从教十年，市教学能手"}
    return EntryInput(title=title, values=overrides.pop("values", values),
                      uploads=overrides.pop("uploads", {"plan": pdf()}), **overrides)


def submitted(teacher, group: CompetitionGroup, title: str = "函数的概念", now=None) -> Entry:
    return entry_create(actor=teacher.user, group=group, data=full_input(title), submit=True,
                        now=now)


def recommended(teacher, group: CompetitionGroup, school_admin, title: str = "函数的概念"
                ) -> Entry:
    entry = submitted(teacher, group, title)
    return entry_recommend(actor=school_admin, entry=entry)


def accepted(teacher, group, school_admin, staff, title: str = "函数的概念") -> Entry:
    return entry_accept(actor=staff, entry=recommended(teacher, group, school_admin, title))


def staff(world):
    return world.users[str(Role.TRAINER)]


def school_admin(world):
    return world.users[str(Role.SCHOOL_ADMIN)]


def later(**delta):
    return timezone.now() + timedelta(**delta)


class MatrixReview:
    """The role matrix's competition: open, one group; 张晓明 (school A) has a submitted entry
    with a file and a draft, 李秋华 (school B) a submitted entry."""

    def __init__(self, world):
        self.competition, self.group = competition_with_group()
        self.entry_a = submitted(world.teacher_a, self.group)
        self.entry_b = submitted(world.teacher_b, self.group, "城西课例")
        self.draft_a = entry_create(actor=world.teacher_a.user, group=self.group,
                                    data=full_input("草稿课例"))
        self.file_a = self.entry_a.files.get()


def matrix_review(world) -> MatrixReview:
    return MatrixReview(world)
