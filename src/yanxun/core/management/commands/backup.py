"""`yanxun backup [DIR]`: one timestamped .tar.gz with the database, the uploaded files and the
secret key file, safe to run while the server serves.

Archive layout (format 1):
    manifest.json        {"format": 1, "database": "sqlite"|"postgresql", "created_at": ...}
    database.sqlite3     SQLite: a copy made with SQLite's online backup API
    database.pgdump      PostgreSQL: pg_dump --format=custom
    media/...            the uploaded files (MEDIA_ROOT)
    secret_key           the generated SECRET_KEY file of the data folder, if there is one
"""

import glob
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

ARCHIVE_FORMAT = 1
MANIFEST = "manifest.json"
SECRET_KEY_MEMBER = "secret_key"
MEDIA_MEMBER = "media"
DATABASE_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
DATABASE_LABEL = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def database_kind() -> str:
    if connection.vendor not in DATABASE_MEMBER:
        raise CommandError(f"不支持备份该类型的数据库：{connection.vendor}。")
    return connection.vendor


def secret_key_path() -> Path:
    return Path(settings.DATA_DIR) / "secret_key"


def pg_tool(name: str) -> str:
    """pg_dump / pg_restore: on PATH, else the newest Debian server package's copy."""
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        raise CommandError(f"找不到 {name}，请先安装 PostgreSQL 客户端（apt-get install "
                           "postgresql-client）。")
    return found


def pg_connection_args() -> tuple[list[str], dict[str, str]]:
    """libpq arguments and environment for the database Django is connected to."""
    conf = connection.settings_dict
    args = ["--dbname", conf["NAME"]]
    if conf.get("HOST"):
        args += ["--host", conf["HOST"]]
    if conf.get("PORT"):
        args += ["--port", str(conf["PORT"])]
    if conf.get("USER"):
        args += ["--username", conf["USER"]]
    env = {**os.environ}
    if conf.get("PASSWORD"):
        env["PGPASSWORD"] = conf["PASSWORD"]
    if conf.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = conf["OPTIONS"]["sslmode"]
    return args, env


def run_pg_tool(name: str, args: list[str]) -> None:
    conn_args, env = pg_connection_args()
    result = subprocess.run([pg_tool(name), *args, *conn_args], env=env, capture_output=True,
                            text=True, check=False)
    if result.returncode != 0:
        raise CommandError(f"{name} 执行失败：{result.stderr.strip()}")


def dump_database(kind: str, target: Path) -> None:
    if kind == "postgresql":
        run_pg_tool("pg_dump", ["--format=custom", "--no-owner", "--no-privileges",
                                "--file", str(target)])
        return
    # The online backup API copies a consistent snapshot page by page while others keep
    # reading and writing (WAL): safe while the server serves.
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy, pages=4096)
    finally:
        copy.close()


def media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []


def add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def archive_path(directory: Path) -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    path = directory / f"yanxun-backup-{stamp}.tar.gz"
    n = 2
    while path.exists():
        path = directory / f"yanxun-backup-{stamp}-{n}.tar.gz"
        n += 1
    return path


def write_archive(directory: Path) -> tuple[Path, dict]:
    kind = database_kind()
    directory.mkdir(parents=True, exist_ok=True)
    files = media_files()
    key = secret_key_path()
    manifest = {"format": ARCHIVE_FORMAT, "database": kind,
                "created_at": timezone.localtime().isoformat(timespec="seconds"),
                "media_files": len(files),
                "secret_key": key.is_file()}
    with tempfile.TemporaryDirectory(dir=directory, prefix=".backup-") as tmp:
        dump = Path(tmp) / DATABASE_MEMBER[kind]
        dump_database(kind, dump)
        partial = Path(tmp) / "partial.tar.gz"
        with tarfile.open(partial, "w:gz") as tar:
            add_bytes(tar, MANIFEST, json.dumps(manifest, ensure_ascii=False).encode())
            tar.add(dump, arcname=DATABASE_MEMBER[kind])
            for path in files:
                rel = path.relative_to(settings.MEDIA_ROOT).as_posix()
                tar.add(path, arcname=f"{MEDIA_MEMBER}/{rel}", recursive=False)
            if key.is_file():
                tar.add(key, arcname=SECRET_KEY_MEMBER)
        partial.chmod(0o600)  # it holds the secret key and every person's data
        target = archive_path(directory)
        partial.rename(target)
    return target, manifest


class Command(BaseCommand):
    help = "Back up the database, uploaded files and secret key into one .tar.gz archive."

    def add_arguments(self, parser):
        parser.add_argument("directory", nargs="?",
                            help="folder for the archive (default: <data folder>/backups)")

    def handle(self, *args, **opts):
        directory = Path(opts["directory"] or Path(settings.DATA_DIR) / "backups")
        path, manifest = write_archive(directory.resolve())
        size_mb = path.stat().st_size / 1024 / 1024
        self.stdout.write(
            f"备份完成：{path}（{size_mb:.1f} MB；{DATABASE_LABEL[manifest['database']]} 数据库，"
            f"上传文件 {manifest['media_files']} 个）"
        )
