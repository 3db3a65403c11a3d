"""Import progress, kept in Django's cache (file cache or Redis) so that reporting it never
takes the database's write lock. The job page polls it; the database only learns the end."""

import time

from django.core.cache import cache

TTL = 24 * 3600
MIN_INTERVAL = 0.5  # seconds between two cache writes of the same phase
PHASES = {
    "queued": "排队中",
    "reading": "读取文件",
    "validating": "校验数据",
    "checking": "核对已有数据",
    "writing": "写入数据库",
    "done": "已完成",
    "invalid": "校验未通过",
    "failed": "出错",
}


def cache_key(token: str) -> str:
    return f"yanxun:import:{token}"


class Progress:
    """phase, done, total and when it was last reported, under one cache key per job.
    With no token (a run outside a job) it only counts."""

    def __init__(self, token: str | None):
        self.key = cache_key(token) if token else None
        self.phase = ""
        self.done = 0
        self.total = 0
        self._last_write = 0.0

    def update(self, phase: str, done: int = 0, total: int = 0) -> None:
        changed = phase != self.phase
        self.phase, self.done, self.total = phase, done, total or self.total
        if changed or done >= self.total or time.monotonic() - self._last_write >= MIN_INTERVAL:
            self._save()

    def advance(self, count: int) -> None:
        self.update(self.phase, self.done + count, self.total)

    def _save(self) -> None:
        self._last_write = time.monotonic()
        if self.key:
            cache.set(self.key, {"phase": self.phase, "done": self.done, "total": self.total,
                                 "at": time.time()}, TTL)


def read_progress(token: str) -> dict | None:
    return cache.get(cache_key(token))
