"""`yanxun restore FILE --yes`: put back what `yanxun backup` saved.

The whole archive is checked and unpacked into a temporary folder first; only then, and only
with --yes, are the database, the uploaded files and the secret key file replaced. Stop the
server (and the Celery workers) before restoring, and start it again afterwards.
"""

import json
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections

from yanxun.core.management.commands.backup import (
    ARCHIVE_FORMAT,
    DATABASE_LABEL,
    DATABASE_MEMBER,
    MANIFEST,
    MEDIA_MEMBER,
    SECRET_KEY_MEMBER,
    database_kind,
    pg_tool,
    run_pg_tool,
    secret_key_path,
)

CONFIRM = "恢复会覆盖当前的数据库、上传文件和密钥文件。确认无误后请加 --yes 重新运行。"


def member_allowed(member: tarfile.TarInfo) -> bool:
    path = PurePosixPath(member.name)
    if path.is_absolute() or ".." in path.parts or not (member.isfile() or member.isdir()):
        return False
    top = path.parts[0] if path.parts else ""
    return top in (MANIFEST, SECRET_KEY_MEMBER, MEDIA_MEMBER, *DATABASE_MEMBER.values())


def open_archive(path: Path) -> tarfile.TarFile:
    if not path.is_file():
        raise CommandError(f"找不到备份文件：{path}")
    try:
        return tarfile.open(path, "r:gz")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise CommandError(f"不是有效的备份文件（无法作为 .tar.gz 读取）：{path.name}") from exc


def read_manifest(tar: tarfile.TarFile) -> dict:
    try:
        manifest = json.load(tar.extractfile(MANIFEST))
    except (tarfile.TarError, EOFError, zlib.error) as exc:
        raise CommandError("备份文件已损坏（解压失败），无法恢复。") from exc
    except (KeyError, AttributeError, TypeError, ValueError) as exc:
        raise CommandError("备份文件格式错误：缺少或无法读取说明文件 manifest.json。") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != ARCHIVE_FORMAT \
            or manifest.get("database") not in DATABASE_MEMBER:
        raise CommandError("备份文件格式错误：无法识别的备份版本或数据库类型。")
    return manifest


def check_kind(manifest: dict) -> str:
    kind, current = manifest["database"], database_kind()
    if kind != current:
        raise CommandError(f"该备份来自 {DATABASE_LABEL[kind]} 数据库，当前系统使用的是 "
                           f"{DATABASE_LABEL[current]}，不能恢复。")
    return kind


def unpack(tar: tarfile.TarFile, target: Path) -> None:
    try:
        unpack_members(tar, target)
    except (tarfile.TarError, EOFError, zlib.error) as exc:
        raise CommandError("备份文件已损坏（解压失败），无法恢复。") from exc


def unpack_members(tar: tarfile.TarFile, target: Path) -> None:
    """Extract member by member after checking each name: no absolute paths, no `..`, no links."""
    for member in tar.getmembers():
        if not member_allowed(member):
            raise CommandError(f"备份文件格式错误：包含不允许的条目「{member.name}」。")
        dest = target / member.name
        if member.isdir():
            dest.mkdir(parents=True, exist_ok=True)
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        with tar.extractfile(member) as src, open(dest, "wb") as out:
            shutil.copyfileobj(src, out)


def check_database_file(kind: str, path: Path) -> None:
    if not path.is_file():
        raise CommandError(f"备份文件格式错误：缺少数据库文件 {path.name}。")
    if kind == "postgresql":
        result = subprocess.run([pg_tool("pg_restore"), "--list", str(path)],
                                capture_output=True, check=False)
        if result.returncode != 0:
            raise CommandError("备份中的数据库文件已损坏，无法恢复。")
        return
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        ok = db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        ok = ok and db.execute("SELECT count(*) FROM sqlite_master "
                               "WHERE name = 'django_migrations'").fetchone()[0] == 1
        db.close()
    except sqlite3.DatabaseError:
        ok = False
    if not ok:
        raise CommandError("备份中的数据库文件已损坏，无法恢复。")


def restore_database(kind: str, path: Path) -> None:
    if kind == "postgresql":
        connections.close_all()
        run_pg_tool("pg_restore", ["--clean", "--if-exists", "--no-owner", "--no-privileges",
                                   "--single-transaction", "--exit-on-error", str(path)])
        return
    # The backup API in reverse: page by page into the live database, under its write lock.
    connection.ensure_connection()
    source = sqlite3.connect(path)
    try:
        source.backup(connection.connection)
    finally:
        source.close()


def restore_media(unpacked: Path) -> int:
    """Swap the media folder for the archive's (an empty one if the archive had none)."""
    root = Path(settings.MEDIA_ROOT)
    new = unpacked / MEDIA_MEMBER
    new.mkdir(exist_ok=True)
    root.parent.mkdir(parents=True, exist_ok=True)
    staged = root.with_name(root.name + ".restoring")
    shutil.rmtree(staged, ignore_errors=True)
    shutil.copytree(new, staged)
    old = root.with_name(root.name + ".before-restore")
    shutil.rmtree(old, ignore_errors=True)
    if root.exists():
        root.rename(old)
    staged.rename(root)
    shutil.rmtree(old, ignore_errors=True)
    return sum(1 for p in root.rglob("*") if p.is_file())


def restore_secret_key(unpacked: Path) -> bool:
    source = unpacked / SECRET_KEY_MEMBER
    if not source.is_file():
        return False
    target = secret_key_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(source.read_bytes())
    target.chmod(0o600)
    return True


class Command(BaseCommand):
    help = "Restore a `yanxun backup` archive (database, uploaded files, secret key)."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="a yanxun-backup-*.tar.gz file")
        parser.add_argument("--yes", action="store_true",
                            help="confirm that the current data may be overwritten")

    def handle(self, *args, **opts):
        path = Path(opts["archive"]).resolve()
        with open_archive(path) as tar, tempfile.TemporaryDirectory(
                dir=Path(settings.DATA_DIR), prefix=".restore-") as tmp:
            manifest = read_manifest(tar)
            kind = check_kind(manifest)
            unpacked = Path(tmp)
            unpack(tar, unpacked)
            check_database_file(kind, unpacked / DATABASE_MEMBER[kind])
            if not opts["yes"]:
                raise CommandError(CONFIRM)
            restore_database(kind, unpacked / DATABASE_MEMBER[kind])
            media = restore_media(unpacked)
            key = restore_secret_key(unpacked)
        self.stdout.write(
            f"已从 {path.name} 恢复：{DATABASE_LABEL[kind]} 数据库（备份于 "
            f"{manifest.get('created_at', '未知时间')}），上传文件 {media} 个"
            f"{'，密钥文件' if key else ''}。请运行 yanxun migrate 并重启服务。"
        )
