import getpass
import os

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from yanxun.accounts.models import User
from yanxun.accounts.services import role_assign, user_create
from yanxun.core.enums import Role


class Command(BaseCommand):
    help = ("创建系统管理员账号（部署后的第一个账号）。密码从终端输入，"
            "或在无终端时取环境变量 YANXUN_ADMIN_PASSWORD。")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="系统管理员")

    def handle(self, *args, username, name, **opts):
        if User.objects.filter(username=username).exists():
            raise CommandError(f"登录名「{username}」已存在。")
        password = self._password()
        try:
            validate_password(password, User(username=username, name=name))
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        with transaction.atomic():
            user = user_create(username=username, name=name, password=password,
                               must_change_password=False)
            role_assign(actor=None, user=user, role=Role.ADMIN)
        self.stdout.write(f"已创建系统管理员「{username}」。")

    def _password(self) -> str:
        if os.environ.get("YANXUN_ADMIN_PASSWORD"):
            return os.environ["YANXUN_ADMIN_PASSWORD"]
        if not os.isatty(0):
            raise CommandError("无终端时请用环境变量 YANXUN_ADMIN_PASSWORD 提供密码。")
        first = getpass.getpass("密码：")
        if first != getpass.getpass("再次输入密码："):
            raise CommandError("两次输入的密码不一致。")
        return first
