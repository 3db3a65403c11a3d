from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "yanxun.core"
    label = "core"
    verbose_name = "基础"
