"""`yanxun export <list> OUT.xlsx`: the Excel export of a list page, from the command line.

    yanxun export teachers OUT.xlsx [--as USERNAME] [--school CODE] [--filter stage=junior]

Without --as the export runs with the server operator's authority (all rows, personal data in
full; the operator can read the database anyway) and is logged as 命令行导出. With --as it gets
exactly what that user would get from the page's 导出 Excel button: their data scope and masking.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import autodiscover_modules

from yanxun.core.exports import write_xlsx
from yanxun.core.listing import SPECS, may_export, parse_query


class Command(BaseCommand):
    help = "导出列表为 Excel（与页面「导出 Excel」相同的数据、筛选、权限与脱敏规则）。"
    # Django's system checks load every URLconf and view module (~1.2 s); they belong to
    # `yanxun check`, `migrate` and `serve`, not to each data import or export.
    requires_system_checks: list = []

    def add_arguments(self, parser):
        autodiscover_modules("lists")
        parser.add_argument("list", choices=sorted(SPECS), help="要导出的列表")
        parser.add_argument("out", help="输出文件，如 teachers.xlsx")
        parser.add_argument("--as", dest="username", help="以该用户的权限导出（数据范围与脱敏）")
        parser.add_argument("--school", help="只导出该学校（学校代码）")
        parser.add_argument("--search", default="", help="搜索词，与页面搜索框相同")
        parser.add_argument("--filter", action="append", default=[], metavar="KEY=VALUE",
                            help="筛选条件，与页面参数相同，如 stage=junior，可重复")

    def handle(self, *args, **options):
        spec = SPECS[options["list"]]
        user = self._user(options["username"], spec)
        params = {"q": options["search"], **self._filters(options["filter"])}
        if options["school"]:
            params["school"] = self._school_pk(options["school"], spec)
        query = parse_query(spec, params)
        if query.errors:
            raise CommandError("；".join(query.errors))
        result = write_xlsx(spec, user, query, options["out"])
        masked = "" if result["unmasked"] or not spec.personal_data else "（个人信息已脱敏）"
        self.stdout.write(f"已导出{spec.title} {result['rows']} 条到 {options['out']}{masked}")

    def _user(self, username: str | None, spec):
        if not username:
            return None
        from yanxun.accounts.models import User

        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"用户「{username}」不存在或已停用。")
        if not may_export(user, spec):
            raise CommandError(f"用户「{username}」无权导出{spec.title}。")
        return user

    def _filters(self, pairs: list[str]) -> dict[str, str]:
        out = {}
        for pair in pairs:
            key, sep, value = pair.partition("=")
            if not sep:
                raise CommandError(f"筛选条件「{pair}」应写成 KEY=VALUE。")
            out[key.strip()] = value.strip()
        return out

    def _school_pk(self, code: str, spec) -> str:
        from yanxun.org.models import School

        if not any(f.key == "school" for f in spec.filters):
            raise CommandError(f"{spec.title}列表不能按学校筛选。")
        pk = School.objects.filter(code=code).values_list("pk", flat=True).first()
        if pk is None:
            raise CommandError(f"学校代码「{code}」不存在。")
        return str(pk)
