from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save


def _org_changed(sender, **kwargs) -> None:
    """A school, subject or group saved or deleted: list filter options and the subject
    table are read afresh."""
    if sender._meta.app_label == "org":
        from yanxun.core.cache import clear_all

        clear_all()


class CoreConfig(AppConfig):
    name = "yanxun.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        post_save.connect(_org_changed, dispatch_uid="yanxun.core.org_changed.save")
        post_delete.connect(_org_changed, dispatch_uid="yanxun.core.org_changed.delete")
        # The data versions' rows and triggers (core/versions.py), after every migrate.
        from yanxun.core.versions import install_triggers

        post_migrate.connect(install_triggers, sender=self,
                             dispatch_uid="yanxun.core.data_versions")
