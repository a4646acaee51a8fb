"""Per-process caches of reference data: lost at any time, reloaded after a while."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import current_app, has_app_context

T = TypeVar("T")

# Reference data (divisions, the code catalogue, the holiday calendar) changes through the
# CLI or an admin's edit; a change made in another process shows within this many seconds.
REFERENCE_SECONDS = 300


def cached(name: Hashable, load: Callable[[], T], seconds: float = REFERENCE_SECONDS, *,
           store: str = "hrm_cache", most: int | None = None) -> T:
    """The app's copy of `name`, loaded when missing or older than `seconds`; in `store`, of
    which at most `most` entries are kept (the oldest loaded go first)."""
    entries: dict[Hashable, tuple[float, Any]] = current_app.extensions.setdefault(store, {})
    now = time.monotonic()
    entry = entries.get(name)
    if entry is None or now - entry[0] > seconds:
        entries.pop(name, None)  # a reload goes to the end, as the newest
        entry = entries[name] = (now, load())
        if most is not None and len(entries) > most:
            del entries[next(iter(entries))]
    return entry[1]  # type: ignore[no-any-return]


def forget(*names: str) -> None:
    """Drop cached copies after this process changed what they hold (all when none named)."""
    if not has_app_context():
        return
    store = current_app.extensions.get("hrm_cache", {})
    for name in names or tuple(store):
        store.pop(name, None)
