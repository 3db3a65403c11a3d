from django.core.management.base import BaseCommand, CommandError

from yanxun.accounts.models import User
from yanxun.accounts.services import api_token_create


class Command(BaseCommand):
    help = "为用户创建 API 令牌（只显示一次）。"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="脚本")

    def handle(self, *args, username, name, **opts):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户「{username}」不存在。")
        self.stdout.write(api_token_create(actor=None, user=user, name=name))
