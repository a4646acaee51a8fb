"""A small per-client-address rate limiter for the public pages (the 条例 list, /verify).

Why this and not a library: the public pages need one rule (N requests a minute per address)
and no shared store. Flask-Limiter would add a dependency and, to be exact across hosts, a
Redis the deployment does not have. This sliding-window counter lives in the process (each
worker counts on its own, so a client gets at most workers × N a minute: a brake on scraping
and floods, not a quota), holds at most MAX_CLIENTS addresses (the oldest dropped first) and
is shared by every public view through `limited(bucket)`. The address is `request.remote_addr`
after ProxyFix (PROXY_FIX_HOPS), so a client cannot pick its own by sending X-Forwarded-For.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, request
from werkzeug.exceptions import TooManyRequests

F = TypeVar("F", bound=Callable[..., Any])
WINDOW_SECONDS = 60.0
MAX_CLIENTS = 10_000


class SlidingWindow:
    """At most `limit` hits per key in any `window` seconds; thread-safe."""

    def __init__(self, limit: int, window: float = WINDOW_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, key: str) -> float | None:
        """Count a hit; None when allowed, else the seconds until the next one is."""
        now = self.clock()
        with self._lock:
            hits = self._hits.pop(key, None) or deque()
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            self._hits[key] = hits  # most recently seen last
            while len(self._hits) > MAX_CLIENTS:
                self._hits.popitem(last=False)
            if len(hits) >= self.limit:
                return max(hits[0] + self.window - now, 0.0)
            hits.append(now)
            return None


def window(app: Flask, bucket: str) -> SlidingWindow:
    """The app's counter for one bucket (each app its own: tests build many)."""
    windows: dict[str, SlidingWindow] = app.extensions.setdefault("hrm_ratelimit", {})
    with _CREATE:
        if bucket not in windows:
            windows[bucket] = SlidingWindow(int(app.config["PUBLIC_RATE_LIMIT"]))
    return windows[bucket]


_CREATE = threading.Lock()


def limited(bucket: str) -> Callable[[F], F]:
    """Refuse a client address past PUBLIC_RATE_LIMIT requests a minute with 429 + Retry-After."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            app = current_app._get_current_object()  # type: ignore[attr-defined]
            wait = window(app, bucket).hit(request.remote_addr or "-")
            if wait is not None:
                raise TooManyRequests(retry_after=max(int(wait) + 1, 1))
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorator
