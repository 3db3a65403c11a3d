"""`yanxun notifications purge [--dry-run] [--days N]`: delete read 站内消息 older than the
retention period (NOTIFICATIONS_RETENTION_DAYS, default 180 days); unread ones are kept.
Meant to run daily beside `yanxun quality purge` (docs/notifications.md)."""

from django.core.management.base import BaseCommand, CommandError

from yanxun.notifications import services


class Command(BaseCommand):
    help = "删除超过保留期限的已读站内消息（未读消息保留）"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true",
                            help="只统计将删除的条数，不做任何修改")
        parser.add_argument("--days", type=int,
                            help="保留天数（默认取设置 NOTIFICATIONS_RETENTION_DAYS）")

    def handle(self, *args, dry_run: bool = False, days: int | None = None, **options):
        if days is not None and days < 1:
            raise CommandError("--days 应为正整数。")
        days = services.retention_days() if days is None else days
        cutoff = services.purge_cutoff(days=days)
        count = services.purge_read(days=days, dry_run=dry_run)
        verb = "将删除" if dry_run else "已删除"
        self.stdout.write(f"已读消息保留 {days} 天：{verb} {cutoff:%Y-%m-%d %H:%M} 之前的已读消息 "
                          f"{count} 条。")
