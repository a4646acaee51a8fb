"""core/ratelimit.py: a sliding window per key, bounded in keys, shared through `limited`."""

from __future__ import annotations

from portal_plugin.core import ratelimit
from portal_plugin.core.ratelimit import SlidingWindow


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_window_slides():
    clock = Clock()
    window = SlidingWindow(2, 60, clock)
    assert window.hit("a") is None and window.hit("a") is None
    wait = window.hit("a")
    assert wait is not None and 59 < wait <= 60
    assert window.hit("b") is None  # another address counts on its own
    clock.now += 30
    assert window.hit("a") is not None  # refused hits are not counted, the first two still are
    clock.now += 30.5
    assert window.hit("a") is None


def test_the_oldest_addresses_are_forgotten_first(monkeypatch):
    monkeypatch.setattr(ratelimit, "MAX_CLIENTS", 3)
    window = SlidingWindow(1, 60, Clock())
    for key in "abcd":
        assert window.hit(key) is None
    assert window.hit("a") is None  # dropped as the oldest, so counted afresh
    assert window.hit("d") is not None


def test_a_refusal_sets_no_cookie_and_answers_json_on_the_feed(make_app):
    client = make_app(PUBLIC_RATE_LIMIT=1).test_client()
    assert client.get("/public/agencies.json").status_code == 200
    refused = client.get("/public/agencies.json")
    assert refused.status_code == 429 and "Set-Cookie" not in refused.headers
    assert refused.json["error"]["message"] == "请求过于频繁，请稍后再试"
