from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TrainingConfig(AppConfig):
    name = "yanxun.training"
    label = "training"
    verbose_name = "师干训"

    def ready(self) -> None:
        import yanxun.training.importers_checkin  # noqa: F401  registers the attendance import

        # Register the sidebar entries, the importers and the lists (`yanxun export <list>`).
        from yanxun.training import importers_hours, lists_hours, navigation  # noqa: F401

        # The ledger version's row and triggers (training/ledger_cache.py), after every migrate.
        from yanxun.training.ledger_cache import install_triggers

        post_migrate.connect(install_triggers, sender=self,
                             dispatch_uid="yanxun.training.ledger_version")
