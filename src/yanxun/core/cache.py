"""A small in-process cache with a time limit, for values every request asks for and that
change rarely (a list's filter options). Per worker process and thread-safe; entries expire
after `seconds`, the least recently used go first when it is full."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

_CACHES: list[Any] = []


def clear_all() -> None:
    """Empty every in-process cache (an org record changed; a test starts)."""
    for cache in _CACHES:
        cache.clear()


def track(cache: Any) -> None:
    """Let clear_all empty another kind of in-process cache (it has a clear())."""
    _CACHES.append(cache)


class LRU:
    """A bounded, thread-safe map in this process's memory: the least recently used entry
    goes first when it is full; clear_all empties it. The store under TTLCache and
    core.versions.LocalCache."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        track(self)

    def get(self, key: Hashable) -> Any:
        """The value, or None (store no None)."""
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class TTLCache:
    def __init__(self, *, seconds: float, size: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds, self.clock = seconds, clock
        self._items = LRU(size)

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        now = self.clock()
        hit = self._items.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = compute()  # outside any lock: two threads may both compute, both correct
        self._items.put(key, (now + self.seconds, value))
        return value

    def clear(self) -> None:
        self._items.clear()
