"""站内消息: a short message to one user about something that happened to their records."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Notification(models.Model):
    """One message to one user. `dedupe_key` names the event it reports: the database keeps
    at most one message per user and key, so an event reported twice (a retried task, two
    workers racing) is still one message."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="notifications", verbose_name="接收人")
    kind = models.CharField("类型", max_length=50)
    title = models.CharField("标题", max_length=200)
    body = models.CharField("内容", max_length=500, blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    dedupe_key = models.CharField("去重键", max_length=200, blank=True, default="")

    scope_paths = {"person": "recipient_id"}

    class Meta:
        verbose_name = "站内消息"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "dedupe_key"],
                                    condition=~Q(dedupe_key=""), name="notification_once"),
        ]
        indexes = [
            # The bell: COUNT(*) WHERE recipient_id = ? AND read_at IS NULL, from the index.
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            # 我的消息: a user's messages, newest first.
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_recent"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_unread(self) -> bool:
        return self.read_at is None
