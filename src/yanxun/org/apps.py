from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "yanxun.org"
    label = "org"
    verbose_name = "组织与人员"

    def ready(self) -> None:
        from yanxun.core import versions
        from yanxun.org import importers  # noqa: F401  registers the importers

        # Every org table: the cached pages of the org lists (core/listing.py, ADR 0012).
        versions.register("org", ("org.*",))
