from django.apps import AppConfig


class ReviewConfig(AppConfig):
    """The Django side of the review engine: competitions, entries, rounds, assignment,
    scoring, results, public notices and objections. The arithmetic lives in the
    database-free modules `aggregate` and `assignment` of this package."""

    name = "yanxun.review"
    label = "review"
    verbose_name = "评审与评比"

    def ready(self) -> None:
        # Register the sidebar entries and the lists (`yanxun export <list>`).
        from yanxun.review import navigation  # noqa: F401
