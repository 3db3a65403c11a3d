from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "yanxun.training"
    label = "training"
    verbose_name = "师干训"

    def ready(self) -> None:
        import yanxun.training.importers_checkin  # noqa: F401  registers the attendance import

        # Register the sidebar entries, the importers and the lists (`yanxun export <list>`).
        from yanxun.training import importers_hours, lists_hours, navigation  # noqa: F401
