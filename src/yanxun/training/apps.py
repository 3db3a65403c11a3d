from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "yanxun.training"
    label = "training"
    verbose_name = "师干训"

    def ready(self) -> None:
        import yanxun.training.importers_checkin  # noqa: F401  registers the attendance import
        from yanxun.training import navigation  # noqa: F401  registers the sidebar entries
