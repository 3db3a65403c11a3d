import uuid

from django.conf import settings
from django.db import models

from yanxun.core.enums import ImportStatus


class AuditLog(models.Model):
    """操作日志: who changed what, when, from where, with the values before and after."""

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    action = models.CharField("操作", max_length=64, db_index=True)
    object_type = models.CharField("对象类型", max_length=64, db_index=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True, db_index=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    before = models.JSONField("修改前", null=True, blank=True)
    after = models.JSONField("修改后", null=True, blank=True)
    reason = models.CharField("原因", max_length=500, blank=True)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)

    class Meta:
        verbose_name = "操作日志"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class ImportJob(models.Model):
    """One upload through the import framework. Progress lives in the cache, not here, so
    that a long validation never takes SQLite's write lock."""

    kind = models.CharField("导入类型", max_length=64)
    file = models.FileField("文件", upload_to="imports/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=255)
    update_existing = models.BooleanField("更新已有数据", default=False)
    status = models.CharField("状态", max_length=16, choices=ImportStatus.choices,
                              default=ImportStatus.PENDING)
    total_rows = models.PositiveIntegerField("行数", default=0)
    created_count = models.PositiveIntegerField("新增", default=0)
    updated_count = models.PositiveIntegerField("更新", default=0)
    unchanged_count = models.PositiveIntegerField("未变化", default=0)
    errors = models.JSONField("错误", default=list, blank=True)
    # Names the job's progress in the cache; unguessable and unique across databases that
    # share one Redis (test runs in parallel, staging beside production).
    progress_key = models.UUIDField("进度标识", default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name="导入人", help_text="命令行导入可为空")
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "导入任务"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.original_name}"


class WorkCalendarDay(models.Model):
    """An exception to "Monday to Friday are working days", kept by the administrator from the
    State Council's yearly notice: a holiday on a weekday (is_workday False) or a 调休 make-up
    working day on a weekend (is_workday True). Periods counted in working days (公示期 …) go
    through yanxun.core.workdays."""

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("是否上班")
    note = models.CharField("说明", max_length=50, blank=True, help_text="如 国庆节、国庆调休")

    class Meta:
        verbose_name = verbose_name_plural = "节假日与调休"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_workday else '休息'} {self.note}"


class DataVersion(models.Model):
    """One row per data version channel (core/versions.py): a token that database triggers
    replace inside every transaction writing the channel's tables. Whatever is computed from
    those tables is cached under it (ADR 0011, ADR 0012)."""

    name = models.CharField(max_length=40, primary_key=True)
    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = verbose_name_plural = "数据版本"

    def __str__(self) -> str:
        return f"{self.name}: {self.token}"
