import hashlib
import os
import sys
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.core.management.base import BaseCommand

# Files no page loads: source maps, type declarations, ES-module and right-to-left builds.
# Leaving them out halves the first collectstatic; with YANXUN_STATIC_FINDERS=1 (development)
# WhiteNoise serves them straight from node_modules all the same.
STATIC_IGNORE = ["*.map", "*.ts", "*.md", "*.esm.*", "*.mjs", "*.rtl.*"]
STAMP_NAME = ".yanxun-collected"


def static_fingerprint() -> str:
    """A hash of every static source file's path, size and time: equal means nothing changed."""
    digest = hashlib.sha256(settings.STORAGES["staticfiles"]["BACKEND"].encode())
    for finder in finders.get_finders():
        for path, storage in sorted(finder.list(STATIC_IGNORE), key=lambda item: item[0]):
            stat = os.stat(storage.path(path))
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def collect_static_if_changed() -> bool:
    """collectstatic (which compresses every file, ~40 s here) only when a source changed.

    With WHITENOISE_USE_FINDERS WhiteNoise serves the source files themselves and the collected
    copies are never read, so there is nothing to collect.
    """
    stamp = Path(settings.STATIC_ROOT) / STAMP_NAME
    if getattr(settings, "WHITENOISE_USE_FINDERS", False):
        stamp.parent.mkdir(parents=True, exist_ok=True)
        return False
    fingerprint = static_fingerprint()
    if stamp.exists() and stamp.read_text() == fingerprint:
        return False
    call_command("collectstatic", interactive=False, verbosity=0, ignore_patterns=STATIC_IGNORE)
    stamp.write_text(fingerprint)
    return True


class Command(BaseCommand):
    help = "Serve Yanxun with granian (migrates and collects static files first)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1",
                            help="0.0.0.0 serves the school LAN; default loopback only")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", 2)))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", 2)),
                            help="threads per worker (blocking threads of granian)")
        parser.add_argument("--no-migrate", action="store_true")

    def handle(self, *args, **opts):
        if not opts["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        if collect_static_if_changed():
            self.stdout.write("静态文件已更新。")
        self.stdout.write(f"研训平台: http://{opts['host']}:{opts['port']}/  "
                          f"(对外地址 YANXUN_PUBLIC_URL={settings.PUBLIC_URL})")
        if opts["host"] not in ("127.0.0.1", "localhost", "::1"):
            self.stdout.write("已对局域网开放：请把 YANXUN_PUBLIC_URL 设为其他电脑访问本机的地址，"
                              "例如 http://192.168.1.20:8000")
        cmd = [
            sys.executable, "-m", "granian", "--interface", "wsgi",
            "--host", opts["host"], "--port", str(opts["port"]),
            "--workers", str(opts["workers"]), "--blocking-threads", str(opts["threads"]),
            "--no-ws", "yanxun.wsgi:application",
        ]
        sys.stdout.flush()
        os.execvpe(cmd[0], cmd, {**os.environ, "DJANGO_SETTINGS_MODULE": "yanxun.settings"})
