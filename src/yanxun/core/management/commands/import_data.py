"""`yanxun import <kind> FILE [--update] [--as LOGIN]` — the same import as the web page.

Prints each error in Chinese and exits 2 when the file is refused (nothing is written);
prints the counts and exits 0 on success. Without --as the import runs as the server
operator, with no data-scope limit; with --as it runs with that user's permission and scope.
"""

import sys
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from yanxun.accounts.models import User
from yanxun.core.enums import ImportStatus
from yanxun.core.imports.framework import get_importer, importers
from yanxun.core.imports.services import import_job_create, import_job_run, job_errors

EXIT_INVALID = 2


class Command(BaseCommand):
    help = "导入数据（与网页导入相同的校验）：yanxun import teachers 教师.xlsx [--update] [--as 登录名]"
    # Django's system checks load every URLconf and view module (~1.2 s); they belong to
    # `yanxun check`, `migrate` and `serve`, not to each data import or export.
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=[i.kind for i in importers()], help="导入类型")
        parser.add_argument("file", help="Excel（.xlsx/.xls）或 CSV 文件")
        parser.add_argument("--update", action="store_true", help="更新已有数据")
        parser.add_argument("--as", dest="as_user", metavar="登录名",
                            help="以该用户的身份和数据权限导入")

    def handle(self, *args, kind, file, update, as_user, **options):
        actor = self._actor(as_user)
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{file}")
        try:
            with path.open("rb") as handle:
                job = import_job_create(actor=actor, kind=kind, file=File(handle),
                                        original_name=path.name, update_existing=update)
        except (ValidationError, PermissionDenied) as exc:
            self._refuse(getattr(exc, "messages", None) or [str(exc)])
        self.stdout.write(f"导入任务 {job.pk}：正在校验「{path.name}」……")
        job = import_job_run(job_id=job.pk)
        if job.status != ImportStatus.DONE:
            self._refuse([str(e) for e in job_errors(job)])
        self._report(job)

    def _actor(self, login: str | None) -> User | None:
        if not login:
            return None
        actor = User.objects.filter(username=login, is_active=True).first()
        if actor is None:
            raise CommandError(f"找不到登录名为「{login}」的用户。")
        return actor

    def _refuse(self, messages: list[str]) -> None:
        for message in messages:
            self.stderr.write(message)
        self.stderr.write(f"校验未通过（{len(messages)} 处错误），没有写入任何数据。")
        sys.exit(EXIT_INVALID)

    def _report(self, job) -> None:
        self.stdout.write(self.style.SUCCESS(
            f"导入完成：共 {job.total_rows} 行，新增 {job.created_count} 条，"
            f"更新 {job.updated_count} 条，未变化 {job.unchanged_count} 条。"))
        importer = get_importer(job.kind)
        if importer is not None and job.created_count:
            for note in importer.notes:
                self.stdout.write(note)
