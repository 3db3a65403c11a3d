from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


def _org_changed(sender, **kwargs) -> None:
    """A school, subject or group saved or deleted: list filter options are read afresh."""
    if sender._meta.app_label == "org":
        from yanxun.core.listing import clear_choices

        clear_choices()


class CoreConfig(AppConfig):
    name = "yanxun.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        post_save.connect(_org_changed, dispatch_uid="yanxun.core.org_changed.save")
        post_delete.connect(_org_changed, dispatch_uid="yanxun.core.org_changed.delete")
