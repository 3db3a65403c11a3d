"""One task API, two backends: `run_in_background("yanxun.x.y.func", **kwargs)`.

With settings.REDIS_URL the call becomes a Celery task (worker: `celery -A yanxun worker`);
without it a daemon thread in this process runs it. Either way the function is named by its
dotted path and takes JSON-able keyword arguments, so both backends run exactly the same code.
"""

import logging
import threading

from django.conf import settings
from django.db import close_old_connections, connections, transaction
from django.utils.module_loading import import_string

from yanxun.celery import app

logger = logging.getLogger(__name__)


def _resolve(func_path: str):
    # A message on the broker may name only our own functions (settings.BACKGROUND_PREFIXES).
    if not func_path.startswith(tuple(settings.BACKGROUND_PREFIXES)):
        raise ValueError(f"background function outside yanxun: {func_path}")
    return import_string(func_path)


@app.task(name="yanxun.run_function", ignore_result=True)
def run_function(func_path: str, kwargs: dict) -> None:
    _resolve(func_path)(**kwargs)


def _run_in_thread(func_path: str, kwargs: dict) -> None:
    close_old_connections()
    try:
        _resolve(func_path)(**kwargs)
    except Exception:
        logger.exception("background task %s failed", func_path)
    finally:
        connections.close_all()


def run_in_background(func_path: str, **kwargs) -> None:
    """Start `func_path(**kwargs)` once the current transaction (if any) has committed."""
    _resolve(func_path)  # fail here, in the caller, on a wrong path
    if settings.REDIS_URL:
        transaction.on_commit(lambda: run_function.delay(func_path, kwargs))
    else:
        thread = threading.Thread(target=_run_in_thread, args=(func_path, kwargs),
                                  name=f"yanxun-bg-{func_path.rsplit('.', 1)[-1]}", daemon=True)
        transaction.on_commit(thread.start)
