"""`yanxun backup` / `yanxun restore`: a real round trip on the test database (SQLite, and
PostgreSQL through pg_dump / pg_restore in the PostgreSQL run), and every refusal."""

import io
import json
import re
import tarfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tests.factories import SchoolFactory, SubjectFactory, TeacherFactory
from yanxun.accounts.models import RoleAssignment, User
from yanxun.org.models import School, Teacher

pytestmark = pytest.mark.django_db(transaction=True)

KIND = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
SECRET = "s3cret-key-of-this-installation"


@pytest.fixture
def data_dir(settings, tmp_path) -> Path:
    """A data folder of the test's own: secret key file and uploaded files live there."""
    data = tmp_path / "data"
    (data / "media" / "imports").mkdir(parents=True)
    (data / "secret_key").write_text(SECRET)
    (data / "media" / "imports" / "教师名单.xlsx").write_bytes(b"PK\x03\x04 first upload")
    settings.DATA_DIR = data
    settings.MEDIA_ROOT = data / "media"
    return data


@pytest.fixture
def district(data_dir) -> None:
    math, chinese = SubjectFactory(name="数学"), SubjectFactory(name="语文")
    east = SchoolFactory(name="城东实验学校", code="S0001")
    west = SchoolFactory(name="城西中学", code="S0002")
    TeacherFactory(school=east, name="张晓明", employee_no="A0001").subjects.add(math)
    TeacherFactory(school=east, name="王丽", employee_no="A0002").subjects.add(chinese)
    TeacherFactory(school=west, name="李秋华", employee_no="B0001").subjects.add(math, chinese)


def snapshot() -> dict:
    return {
        "schools": sorted(School.objects.values_list("name", flat=True)),
        "teachers": sorted(Teacher.objects.values_list("name", "school__code")),
        "subject_links": Teacher.subjects.through.objects.count(),
        "users": User.objects.count(),
        "roles": RoleAssignment.objects.count(),
    }


BEFORE = {
    "schools": ["城东实验学校", "城西中学"],
    "teachers": [("张晓明", "S0001"), ("李秋华", "S0002"), ("王丽", "S0001")],
    "subject_links": 4,
    "users": 3,
    "roles": 3,
}


def make_backup(tmp_path) -> Path:
    out = io.StringIO()
    call_command("backup", str(tmp_path / "backups"), stdout=out)
    archives = sorted((tmp_path / "backups").glob("*.tar.gz"))
    assert len(archives) == 1
    assert re.fullmatch(r"yanxun-backup-\d{8}-\d{6}\.tar\.gz", archives[0].name)
    assert out.getvalue().startswith(f"备份完成：{archives[0]}")
    return archives[0]


def change_everything(data_dir: Path) -> None:
    TeacherFactory(school=SchoolFactory(name="新建学校", code="S0099"), name="赵新")
    Teacher.objects.filter(name="张晓明").update(name="张改名")
    Teacher.objects.get(name="李秋华").subjects.clear()
    (data_dir / "media" / "imports" / "教师名单.xlsx").unlink()
    (data_dir / "media" / "later.pdf").write_bytes(b"%PDF later")
    (data_dir / "secret_key").write_text("another key")


def test_round_trip_restores_database_media_and_secret_key(district, data_dir, tmp_path):
    assert snapshot() == BEFORE
    archive = make_backup(tmp_path)
    change_everything(data_dir)
    assert snapshot() == {
        "schools": ["城东实验学校", "城西中学", "新建学校"],
        "teachers": [("张改名", "S0001"), ("李秋华", "S0002"), ("王丽", "S0001"),
                     ("赵新", "S0099")],
        "subject_links": 2,
        "users": 4,
        "roles": 4,
    }

    out = io.StringIO()
    call_command("restore", str(archive), "--yes", stdout=out)

    assert snapshot() == BEFORE
    media = sorted(p.relative_to(data_dir / "media").as_posix()
                   for p in (data_dir / "media").rglob("*") if p.is_file())
    assert media == ["imports/教师名单.xlsx"]
    assert (data_dir / "media" / "imports" / "教师名单.xlsx").read_bytes() == \
        b"PK\x03\x04 first upload"
    assert (data_dir / "secret_key").read_text() == SECRET
    assert out.getvalue().startswith(f"已从 {archive.name} 恢复：{KIND[connection.vendor]} 数据库")
    assert "上传文件 1 个，密钥文件。" in out.getvalue()


def test_archive_holds_manifest_database_media_and_key(district, data_dir, tmp_path):
    archive = make_backup(tmp_path)
    with tarfile.open(archive) as tar:
        names = sorted(tar.getnames())
        manifest = json.load(tar.extractfile("manifest.json"))
    database = "database.sqlite3" if connection.vendor == "sqlite" else "database.pgdump"
    assert names == sorted([database, "manifest.json", "media/imports/教师名单.xlsx",
                            "secret_key"])
    assert {k: manifest[k] for k in ("format", "database", "media_files", "secret_key")} == {
        "format": 1, "database": connection.vendor, "media_files": 1, "secret_key": True}
    assert archive.stat().st_mode & 0o777 == 0o600


def test_restore_without_yes_refuses_and_changes_nothing(district, data_dir, tmp_path):
    archive = make_backup(tmp_path)
    change_everything(data_dir)
    changed = snapshot()
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(archive))
    assert str(refused.value) == ("恢复会覆盖当前的数据库、上传文件和密钥文件。"
                                  "确认无误后请加 --yes 重新运行。")
    assert snapshot() == changed
    assert (data_dir / "secret_key").read_text() == "another key"
    assert (data_dir / "media" / "later.pdf").read_bytes() == b"%PDF later"


def write_tar(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def refusal(archive: Path) -> str:
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(archive), "--yes")
    return str(refused.value)


def test_restore_refuses_an_archive_of_the_other_database_kind(district, tmp_path):
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    member = "database.pgdump" if other == "postgresql" else "database.sqlite3"
    archive = write_tar(tmp_path / "other.tar.gz", {
        "manifest.json": json.dumps({"format": 1, "database": other}).encode(),
        member: b"whatever",
    })
    assert refusal(archive) == (f"该备份来自 {KIND[other]} 数据库，当前系统使用的是 "
                                f"{KIND[connection.vendor]}，不能恢复。")
    assert snapshot() == BEFORE


def test_restore_refuses_malformed_archives(district, tmp_path):
    renamed = tmp_path / "renamed.tar.gz"
    renamed.write_text("这不是备份文件")
    assert refusal(renamed) == "不是有效的备份文件（无法作为 .tar.gz 读取）：renamed.tar.gz"

    no_manifest = write_tar(tmp_path / "no-manifest.tar.gz", {"secret_key": b"k"})
    assert refusal(no_manifest) == "备份文件格式错误：缺少或无法读取说明文件 manifest.json。"

    manifest = json.dumps({"format": 1, "database": connection.vendor}).encode()
    member = "database.sqlite3" if connection.vendor == "sqlite" else "database.pgdump"
    escaping = write_tar(tmp_path / "escaping.tar.gz",
                         {"manifest.json": manifest, "media/../../etc/cron.d/x": b"boom"})
    assert refusal(escaping) == "备份文件格式错误：包含不允许的条目「media/../../etc/cron.d/x」。"

    no_database = write_tar(tmp_path / "no-db.tar.gz", {"manifest.json": manifest})
    assert refusal(no_database) == f"备份文件格式错误：缺少数据库文件 {member}。"

    broken = write_tar(tmp_path / "broken.tar.gz",
                       {"manifest.json": manifest, member: b"not a database at all"})
    assert refusal(broken) == "备份中的数据库文件已损坏，无法恢复。"

    assert refusal(tmp_path / "missing.tar.gz") == \
        f"找不到备份文件：{(tmp_path / 'missing.tar.gz').resolve()}"
    assert snapshot() == BEFORE


def test_each_backup_gets_a_file_of_its_own(district, tmp_path):
    call_command("backup", str(tmp_path), stdout=io.StringIO())
    call_command("backup", str(tmp_path), stdout=io.StringIO())
    names = sorted(p.name for p in tmp_path.glob("yanxun-backup-*.tar.gz"))
    assert len(names) == 2
    assert names[0] != names[1]
