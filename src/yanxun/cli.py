"""The `yanxun` console script: Django's management commands under one name.

    yanxun serve [--host 0.0.0.0] [--port 8000] [--workers 2]
    yanxun demo [--teachers 4000] [--seed 2026]
    yanxun import teachers FILE.xlsx [--update]
    yanxun export teachers OUT.xlsx
    yanxun backup [DIR]   /   yanxun restore FILE
    yanxun quality purge [--dry-run]   (the retention rule for students' exam data)
    yanxun notifications purge [--dry-run]   (read 站内消息 past their retention period)
and any other manage.py command (migrate, createsuperuser ...).
"""

import os
import sys

# `import` and `export` are Python keywords, so their commands live under other module names.
ALIASES = {"import": "import_data", "export": "export_data"}


# Commands that need no database and must not start Django (users' scripts rely on them):
# `yanxun quality analyze ...`, `yanxun review aggregate ...`. Each module exposes main(args).
PURE_COMMANDS = {"quality": "yanxun.quality.cli", "review": "yanxun.review.cli"}
# Two-word commands that do need the database (some share a name with the pure commands
# above): the management command to run.
DATABASE_SUBCOMMANDS = {("quality", "purge"): "quality_purge",
                        ("notifications", "purge"): "notifications_purge"}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    if tuple(argv[1:3]) in DATABASE_SUBCOMMANDS:
        argv = [argv[0], DATABASE_SUBCOMMANDS[tuple(argv[1:3])], *argv[3:]]
    elif len(argv) > 1 and argv[1] in PURE_COMMANDS:
        import importlib

        return importlib.import_module(PURE_COMMANDS[argv[1]]).main(argv[2:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yanxun.settings")
    from django.core.management import execute_from_command_line

    args = argv[1:]
    if args and args[0] in ALIASES:
        args[0] = ALIASES[args[0]]
    execute_from_command_line(["yanxun", *args])
    return 0


if __name__ == "__main__":
    sys.exit(main())
