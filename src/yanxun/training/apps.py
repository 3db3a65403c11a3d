from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "yanxun.training"
    label = "training"
    verbose_name = "师干训"

    def ready(self) -> None:
        import yanxun.training.importers_checkin  # noqa: F401  registers the attendance import

        # The tables cached ledgers are computed from (training/ledger_cache.py, ADR 0011).
        from yanxun.core import versions

        # Register the sidebar entries, the importers and the lists (`yanxun export <list>`).
        from yanxun.training import importers_hours, lists_hours, navigation  # noqa: F401
        from yanxun.training.ledger_cache import CHANNEL, MODELS

        versions.register(CHANNEL, MODELS)
