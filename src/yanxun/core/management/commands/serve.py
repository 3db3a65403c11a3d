import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Yanxun with granian (migrates and collects static files first)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1",
                            help="0.0.0.0 serves the school LAN; default loopback only")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", 2)))
        parser.add_argument("--no-migrate", action="store_true")

    def handle(self, *args, **opts):
        if not opts["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"研训平台: http://{opts['host']}:{opts['port']}/  "
                          f"(对外地址 YANXUN_PUBLIC_URL={settings.PUBLIC_URL})")
        cmd = [
            sys.executable, "-m", "granian", "--interface", "wsgi",
            "--host", opts["host"], "--port", str(opts["port"]),
            "--workers", str(opts["workers"]), "--blocking-threads", "4",
            "--no-ws", "yanxun.wsgi:application",
        ]
        os.execvpe(cmd[0], cmd, {**os.environ, "DJANGO_SETTINGS_MODULE": "yanxun.settings"})
