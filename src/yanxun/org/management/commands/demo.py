import time
import unicodedata

from django.core.management.base import BaseCommand, CommandError

from yanxun.org.demo import DEMO_PASSWORD, DemoError, DemoStatus, build_demo
from yanxun.org.enums import StaffKind
from yanxun.org.models import School, StaffMember, Teacher


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def login_table(status: DemoStatus) -> str:
    """The demo logins as a plain-text table that lines up in a terminal."""
    rows = [("角色", "登录名", "密码", "姓名", "能看到什么")]
    rows += [(a.role, a.login, DEMO_PASSWORD, a.name, a.sees) for a in status.accounts]
    widths = [max(_width(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join([*(_pad(cell, w) for cell, w in zip(row[:4], widths, strict=True)), row[4]])
        for row in rows
    ]
    lines.insert(1, "-" * (sum(widths) + 8 + max(_width(r[4]) for r in rows)))
    return "\n".join(lines)


class Command(BaseCommand):
    help = "生成演示区县（滨江区）：学校、教师、研训员和各角色的演示账号。可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="随机种子（相同种子数据相同）")
        parser.add_argument("--teachers", type=int, default=4000, help="教师人数")
        parser.add_argument("--schools", type=int, default=60, help="学校数")
        parser.add_argument("--reset", action="store_true", help="删除已有演示数据后重建")

    def handle(self, *args, **opts):
        started = time.perf_counter()
        try:
            built, status = build_demo(
                seed=opts["seed"],
                teachers=opts["teachers"],
                schools=opts["schools"],
                reset=opts["reset"],
            )
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.perf_counter() - started
        if built:
            self.stdout.write(
                self.style.SUCCESS(
                    f"演示区县已生成（种子 {status.seed}，用时 {seconds:.1f} 秒）："
                    + self._counts()
                )
            )
        else:
            self.stdout.write(
                f"演示区县已存在（种子 {status.seed}），未重复生成：" + self._counts()
            )
        self.stdout.write("")
        self.stdout.write(login_table(status))
        self.stdout.write("")
        self.stdout.write(
            f"其他教师以工号（如 {self._sample_login()}）或手机号登录，初始密码同为 "
            f"{DEMO_PASSWORD}，首次登录须修改密码。"
        )

    def _counts(self) -> str:
        staff = StaffMember.objects.filter(kind=StaffKind.FULL_TIME).count()
        part_time = StaffMember.objects.exclude(kind=StaffKind.FULL_TIME).count()
        return (
            f"学校 {School.objects.count()} 所，教师 {Teacher.objects.count()} 人，"
            f"专职研训员 {staff} 人，兼职教研员/科研员 {part_time} 人。"
        )

    def _sample_login(self) -> str:
        teacher = Teacher.objects.filter(user__must_change_password=True).order_by("pk").first()
        return teacher.employee_no if teacher else "BJ00001"
