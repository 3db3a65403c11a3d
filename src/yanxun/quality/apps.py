from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "yanxun.quality"
    label = "quality"
    verbose_name = "教学质量监测"

    def ready(self) -> None:
        from yanxun.quality import navigation  # noqa: F401  registers the sidebar entries
