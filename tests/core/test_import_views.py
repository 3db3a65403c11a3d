"""Import pages: who may use them, the template, the result page, progress and errors."""

import io
import re
import threading
import zipfile

import fastexcel
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.core.import_files import TEACHER_HEADERS, run_import, teacher_row, teachers_xlsx
from tests.factories import SubjectFactory
from yanxun.core.enums import ImportStatus, Role
from yanxun.core.models import ImportJob
from yanxun.core.navigation import nav_for
from yanxun.org.importers import TeacherImporter
from yanxun.org.models import Teacher


@pytest.fixture
def subjects(db):
    return [SubjectFactory(name=name) for name in ["语文", "数学"]]


def upload(client: Client, data: bytes, *, update: bool = False, kind: str = "teachers",
           name: str = "教师.xlsx"):
    return client.post(reverse("core:imports:upload", args=[kind]),
                       {"file": SimpleUploadedFile(name, data), "update_existing": update})


@pytest.mark.parametrize(("role", "teachers", "schools"), [
    (Role.ADMIN, 200, 200), (Role.SCHOOL_ADMIN, 200, 403), (Role.LEADER, 403, 403),
    (Role.TRAINER, 403, 403), (Role.TEACHER, 403, 403), (Role.JUDGE, 403, 403),
    (Role.STUDIO_HOST, 403, 403),
])
def test_upload_and_template_pages_follow_the_importer_permission(world, role, teachers, schools):
    client = world.client_for(role)
    assert client.get("/imports/teachers/").status_code == teachers
    assert client.get("/imports/teachers/template.xlsx").status_code == teachers
    assert client.get("/imports/schools/").status_code == schools
    assert client.get("/imports/schools/template.xlsx").status_code == schools


def test_anonymous_is_sent_to_login(db):
    response = Client().get("/imports/teachers/")
    assert (response.status_code, response["Location"]) == (
        302, "/accounts/login/?next=/imports/teachers/")


def test_unknown_kind_is_404(world):
    assert world.client_for(Role.ADMIN).get("/imports/spaceships/").status_code == 404


def test_sidebar_has_the_import_entries_by_permission(world):
    def imports(role):
        sections = {s["section"]: s["items"] for s in nav_for(world.users[role], "/")}
        return [(i["label"], i["url"]) for i in sections.get("数据导入", [])]

    assert imports(Role.ADMIN) == [("学校导入", "/imports/schools/"),
                                   ("教师导入", "/imports/teachers/"),
                                   ("节假日与调休导入", "/imports/work_calendar/")]
    assert imports(Role.SCHOOL_ADMIN) == [("教师导入", "/imports/teachers/"),
                                          ("学时申报导入", "/imports/hour_claims/")]
    assert imports(Role.TEACHER) == []


def test_upload_page_shows_columns_and_notes(world):
    page = world.client_for(Role.SCHOOL_ADMIN).get("/imports/teachers/").content.decode()
    assert "下载导入模板" in page and "更新已有数据" in page
    assert "初始密码为 Yx 加身份证号后 6 位（如 Yx12345X），首次登录后须修改" in page
    assert all(f'<td class="text-nowrap">{h}</td>' in page for h in TEACHER_HEADERS)


def test_template_has_header_example_dropdowns_text_columns_and_help(world):
    response = world.client_for(Role.ADMIN).get("/imports/teachers/template.xlsx")
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E6%95%99%E5%B8%88%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx")
    data = b"".join(response.streaming_content)
    reader = fastexcel.read_excel(data)
    assert reader.sheet_names == ["教师", "填写说明"]
    rows = reader.load_sheet(0, header_row=None, dtypes="string").to_polars().rows()
    assert list(rows[0]) == TEACHER_HEADERS
    assert list(rows[1]) == [c.example for c in TeacherImporter.columns]
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert '<formula1>"男,女"</formula1>' in sheet
    assert '<formula1>"幼儿园,小学,初中,高中,中职"</formula1>' in sheet
    styles = zipfile.ZipFile(io.BytesIO(data)).read("xl/styles.xml").decode()
    xfs = re.findall(r"<xf [^>]*>", styles.split("<cellXfs")[1])
    text_columns = {int(m[0]) for m in re.findall(r'<col min="(\d+)" max="\d+"[^>]* style="(\d+)"',
                                                  sheet) if 'numFmtId="49"' in xfs[int(m[1])]}
    assert text_columns == {1, 4, 5}  # 工号, 身份证号, 手机号 are text
    help_rows = reader.load_sheet(1, header_row=None, dtypes="string").to_polars().rows()
    assert help_rows[0] == ("列名", "是否必填", "填写说明", "可选值", "示例")
    assert help_rows[2] == ("姓名", "必填", "不超过 50 个字", None, "张晓明")


def test_the_unchanged_template_has_no_data_rows(world, subjects):
    client = world.client_for(Role.ADMIN)
    template = b"".join(client.get("/imports/teachers/template.xlsx").streaming_content)
    job = run_import("teachers", template, actor=world.users[Role.ADMIN])
    assert (job.status, [e["message"] for e in job.errors]) == (
        ImportStatus.INVALID, ["表格只有表头和示例行，没有数据行。"])


def test_good_upload_redirects_to_the_result(world, subjects):
    client = world.client_for(Role.ADMIN)
    response = upload(client, teachers_xlsx(teacher_row(1), teacher_row(2)))
    job = ImportJob.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/imports/job/{job.pk}/")
    page = client.get(response["Location"]).content.decode()
    assert "导入完成：共 2 行，新增 2 条，更新 0 条，未变化 0 条。" in page
    assert "初始密码为 Yx 加身份证号后 6 位" in page
    assert Teacher.objects.filter(employee_no__in=["T0001", "T0002"]).count() == 2


def test_bad_upload_lists_errors_and_offers_them_as_xlsx(world, subjects):
    client = world.client_for(Role.ADMIN)
    response = upload(client, teachers_xlsx(teacher_row(1, 学校="城南小学"),
                                            teacher_row(2, 性别="未知")))
    page = client.get(response["Location"]).content.decode()
    assert "文件有 2 处错误，没有写入任何数据。" in page
    assert "第 2 行「学校」找不到：城南小学（请填写系统中已有的学校名称或学校代码）" in page
    assert "第 3 行「性别」只能填写：男、女" in page
    job = ImportJob.objects.get()
    download = client.get(f"/imports/job/{job.pk}/errors.xlsx")
    rows = fastexcel.read_excel(b"".join(download.streaming_content)).load_sheet(
        0, header_row=None, dtypes="string").to_polars().rows()
    assert rows == [("行号", "列", "错误说明"),
                    ("2", "学校", "第 2 行「学校」找不到：城南小学（请填写系统中已有的学校名称或学校代码）"),
                    ("3", "性别", "第 3 行「性别」只能填写：男、女")]


def test_only_the_first_200_errors_are_shown(world, subjects):
    rows = [teacher_row(n, 学段="大学") for n in range(1, 251)]
    client = world.client_for(Role.ADMIN)
    page = client.get(upload(client, teachers_xlsx(*rows))["Location"]).content.decode()
    assert "错误说明（共 250 处，下面列出前 200 处）" in page
    assert "第 201 行「学段」" in page and "第 202 行「学段」" not in page


def test_oversized_upload_is_refused_on_the_form(world, settings):
    settings.IMPORT_MAX_BYTES = 1024
    client = world.client_for(Role.ADMIN)
    response = upload(client, b"PK\x03\x04" + b"\x00" * 2048)
    assert response.status_code == 200
    assert "文件大小 0.0 MB，超过上限 0 MB，请拆分后分批导入。" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_job_pages_are_for_their_creator_and_admins(world, subjects):
    job = run_import("teachers", teachers_xlsx(teacher_row(1)),
                     actor=world.users[Role.SCHOOL_ADMIN])
    for role, expected in [(Role.SCHOOL_ADMIN, 200), (Role.ADMIN, 200), (Role.LEADER, 404),
                           (Role.TEACHER, 404)]:
        client = world.client_for(role)
        assert client.get(f"/imports/job/{job.pk}/").status_code == expected
        assert client.get(f"/imports/job/{job.pk}/progress").status_code == expected
        assert client.get(f"/imports/job/{job.pk}/errors.xlsx").status_code == expected


def test_progress_partial_polls_until_done_then_refreshes(world, subjects):
    from yanxun.core.imports.progress import Progress
    from yanxun.core.imports.services import import_job_create

    admin = world.users[Role.ADMIN]
    job = import_job_create(actor=admin, kind="teachers", original_name="a.xlsx",
                            file=SimpleUploadedFile("a.xlsx", teachers_xlsx(teacher_row(1))),
                            update_existing=False)
    Progress(str(job.progress_key)).update("validating", 300, 1200)
    client = world.client_for(Role.ADMIN)
    partial = client.get(f"/imports/job/{job.pk}/progress")
    html = partial.content.decode()
    assert "HX-Refresh" not in partial
    assert 'hx-trigger="every 1s"' in html and 'style="width: 25%"' in html
    assert "校验数据" in html and "300 / 1200 行" in html
    job.status = ImportStatus.DONE
    job.save()
    done = client.get(f"/imports/job/{job.pk}/progress")
    assert done["HX-Refresh"] == "true"
    assert 'hx-trigger' not in done.content.decode()


@pytest.mark.django_db(transaction=True)
def test_large_upload_runs_in_a_background_thread(world, subjects, settings):
    settings.REDIS_URL = ""
    settings.IMPORT_BACKGROUND_ROWS = 3
    client = world.client_for(Role.ADMIN)
    response = upload(client, teachers_xlsx(*[teacher_row(n) for n in range(1, 4)]))
    for thread in threading.enumerate():
        if thread.name.startswith("yanxun-bg-"):
            thread.join(timeout=60)
    job = ImportJob.objects.get()
    assert response["Location"] == f"/imports/job/{job.pk}/"
    assert (job.status, job.created_count) == (ImportStatus.DONE, 3)
    assert "导入完成：共 3 行，新增 3 条" in client.get(response["Location"]).content.decode()


def test_template_with_its_example_row_and_one_filled_row_imports(world, subjects):
    """The template's example row as Excel hands it back (cell types included), left in
    place above a real row, is skipped."""
    from yanxun.core.imports.templates import template_xlsx

    template = template_xlsx(TeacherImporter)
    rows = fastexcel.read_excel(template).load_sheet(0, header_row=None,
                                                     dtypes="string").to_polars().rows()
    data = teachers_xlsx(list(rows[1]), teacher_row(1))
    job = run_import("teachers", data, actor=world.users[Role.ADMIN])
    assert (job.status, job.total_rows, job.created_count) == (ImportStatus.DONE, 1, 1)
