"""`yanxun quality purge [--dry-run] [--date YYYY-MM-DD]`: delete the student-level rows of
every exam held more than the retention period ago (quality.retention), printing each exam
and what was (or, with --dry-run, would be) deleted. Meant to run daily (docs/deploy.md)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from yanxun.quality import retention


class Command(BaseCommand):
    help = "按学生数据保留期限删除到期考试的考生、成绩与小题得分（统计结果保留）"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true",
                            help="只列出将删除的内容，不做任何修改")
        parser.add_argument("--date", help="按这一天计算到期（默认今天），格式 2026-03-01")

    def handle(self, *args, dry_run: bool = False, date: str | None = None, **options):
        on = _day(date) if date else retention.today()
        years = retention.retention_years()
        cut = retention.cutoff(on, years)
        self.stdout.write(f"学生数据保留 {years} 年：考试日期早于 {cut:%Y-%m-%d} 的考试到期。")
        done = retention.purge_expired(on=on, dry_run=dry_run)
        verb = "将删除" if dry_run else "已删除"
        for exam, counts in done:
            self.stdout.write(f"{verb}「{exam.name}」（{exam.held_on:%Y-%m-%d}，编号 {exam.pk}）："
                              f"{counts.describe()}")
        if not done:
            self.stdout.write("没有到期的考试。")
        elif dry_run:
            self.stdout.write(f"演练：{len(done)} 场考试到期，未做任何修改。")
        else:
            self.stdout.write(f"共 {len(done)} 场考试。")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--date「{text}」应为日期，格式如 2026-03-01") from None
