"""KeySet: the cached JWKS of one issuer, refetched on an unknown kid at most once per interval."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from sso.tokens import KeySet
from tests.conftest import FakeClock


def rsa_jwk(kid: str, **extra: Any) -> dict[str, Any]:
    """A JWKS entry shaped like an RSA signing key (KeySet filters, it does not parse keys)."""
    return {"kty": "RSA", "kid": kid, "n": "sXch" + kid, "e": "AQAB", "use": "sig", "alg": "RS256",
            **extra}


class FakeJWKS:
    """A fetch function whose published keys (or failure) the test controls; counts calls."""

    def __init__(self, *keys: dict[str, Any]) -> None:
        self.document: Any = {"keys": list(keys)}
        self.error: Exception | None = None
        self.calls = 0

    def __call__(self) -> Any:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return self.document


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1000.0)


@pytest.fixture
def jwks() -> FakeJWKS:
    return FakeJWKS(rsa_jwk("k1"))


@pytest.fixture
def keys(jwks: FakeJWKS, clock: FakeClock) -> KeySet:
    return KeySet(jwks, clock=clock)


def test_first_lookup_fetches_and_returns_the_published_key(keys, jwks):
    assert keys.get("k1") == rsa_jwk("k1")
    assert jwks.calls == keys.fetch_count == 1


def test_cached_keys_are_served_without_refetch(keys, jwks, clock):
    keys.get("k1")
    for _ in range(50):
        clock.advance(60)  # well past the refetch interval, still inside the TTL
        assert keys.get("k1") == rsa_jwk("k1")
    assert jwks.calls == keys.fetch_count == 1


def test_unknown_kid_triggers_exactly_one_fetch(keys, jwks, clock):
    keys.get("k1")
    clock.advance(31)
    jwks.document = {"keys": [rsa_jwk("k1"), rsa_jwk("k2")]}
    assert keys.get("k2") == rsa_jwk("k2")
    assert jwks.calls == keys.fetch_count == 2
    assert keys.get("k2") == rsa_jwk("k2")
    assert jwks.calls == 2


def test_unknown_kid_that_stays_unknown_returns_none_after_one_fetch(keys, jwks, clock):
    keys.get("k1")
    clock.advance(31)
    assert keys.get("nope") is None
    assert jwks.calls == 2


def test_second_unknown_kid_within_the_interval_does_not_fetch(keys, jwks, clock):
    keys.get("k1")
    clock.advance(31)
    assert keys.get("unknown-1") is None
    assert jwks.calls == 2
    for step in range(29):
        clock.advance(1)  # 29 s after the last attempt at most
        assert keys.get(f"unknown-{step + 2}") is None
    assert jwks.calls == 2
    assert keys.get("k1") == rsa_jwk("k1")


def test_unknown_kid_right_after_the_first_fetch_does_not_fetch_again(keys, jwks, clock):
    keys.get("k1")
    clock.advance(29.9)
    assert keys.get("unknown") is None
    assert jwks.calls == 1


def test_after_the_interval_an_unknown_kid_may_fetch_again(keys, jwks, clock):
    keys.get("k1")
    clock.advance(31)
    keys.get("unknown-1")
    clock.advance(29.9)
    keys.get("unknown-2")
    assert jwks.calls == 2
    clock.advance(0.2)  # now 30.1 s after the last attempt
    jwks.document = {"keys": [rsa_jwk("k3")]}
    assert keys.get("k3") == rsa_jwk("k3")
    assert jwks.calls == 3


def test_custom_refetch_interval_is_honoured(jwks, clock):
    keys = KeySet(jwks, min_refetch_seconds=5, clock=clock)
    keys.get("k1")
    clock.advance(4)
    keys.get("unknown")
    assert jwks.calls == 1
    clock.advance(1.5)
    keys.get("unknown")
    assert jwks.calls == 2


def test_keys_are_refetched_when_the_ttl_expires(jwks, clock):
    keys = KeySet(jwks, ttl_seconds=100, clock=clock)
    keys.get("k1")
    clock.advance(99)
    keys.get("k1")
    assert jwks.calls == 1
    clock.advance(2)
    jwks.document = {"keys": [rsa_jwk("k2")]}
    assert keys.get("k1") is None  # the issuer withdrew k1
    assert keys.get("k2") == rsa_jwk("k2")
    assert jwks.calls == 2


@pytest.mark.parametrize(
    "error",
    [ConnectionError("portal down"), TimeoutError("slow"), ValueError("not JSON"), KeyError("jwks_uri")],
    ids=["connection", "timeout", "bad-json", "bad-discovery"],
)
def test_failing_fetch_on_unknown_kid_keeps_the_old_keys(keys, jwks, clock, error):
    keys.get("k1")
    clock.advance(31)
    jwks.error = error
    assert keys.get("k2") is None
    assert jwks.calls == 2
    assert keys.get("k1") == rsa_jwk("k1")


def test_failing_fetch_after_ttl_keeps_the_old_keys_and_stays_rate_limited(jwks, clock):
    keys = KeySet(jwks, ttl_seconds=100, clock=clock)
    keys.get("k1")
    clock.advance(101)
    jwks.error = ConnectionError("portal down")
    assert keys.get("k1") == rsa_jwk("k1")
    assert jwks.calls == 2
    for _ in range(20):
        clock.advance(1)
        assert keys.get("k1") == rsa_jwk("k1")
    assert jwks.calls == 2  # no retry until the interval has passed
    clock.advance(10)
    jwks.error = None
    assert keys.get("k1") == rsa_jwk("k1")
    assert jwks.calls == 3


def test_first_fetch_failing_leaves_no_keys_and_is_retried_after_the_interval(keys, jwks, clock):
    jwks.error = ConnectionError("portal down")
    assert keys.get("k1") is None
    assert keys.get("k1") is None
    assert jwks.calls == 1
    clock.advance(31)
    jwks.error = None
    assert keys.get("k1") == rsa_jwk("k1")
    assert jwks.calls == 2


@pytest.mark.parametrize(
    "document",
    [None, "not a dict", ["keys"], {"keys": None}, {"keys": 42}],
    ids=["none", "string", "list", "keys-null", "keys-number"],
)
def test_fetch_returning_a_malformed_document_keeps_the_old_keys(keys, jwks, clock, document):
    keys.get("k1")
    clock.advance(31)
    jwks.document = document
    keys.get("k2")
    assert jwks.calls == 2
    assert keys.get("k1") == rsa_jwk("k1")


@pytest.mark.parametrize(
    "document",
    [{}, {"error": "maintenance"}, {"keys": "k1"}, {"keys": {"kid": "k1"}}],
    ids=["empty-object", "error-object", "keys-string", "keys-object"],
)
def test_fetch_returning_a_document_without_a_keys_list_keeps_the_old_keys(keys, jwks, clock, document):
    keys.get("k1")
    clock.advance(31)
    jwks.document = document
    keys.get("k2")
    assert jwks.calls == 2
    assert keys.get("k1") == rsa_jwk("k1")


def test_an_empty_keys_list_is_honoured_as_the_issuer_withdrawing_all_keys(keys, jwks, clock):
    keys.get("k1")
    clock.advance(31)
    jwks.document = {"keys": []}
    keys.get("k2")
    assert keys.get("k1") is None


@pytest.mark.parametrize(
    "entry",
    [
        rsa_jwk("bad", kty="EC"),
        rsa_jwk("bad", kty="oct"),
        rsa_jwk("bad", use="enc"),
        rsa_jwk("bad", alg="RS512"),
        rsa_jwk("bad", alg="PS256"),
        rsa_jwk("bad", alg="HS256"),
        rsa_jwk("bad", alg="none"),
        {k: v for k, v in rsa_jwk("bad").items() if k != "kty"},
        {**{k: v for k, v in rsa_jwk("x").items() if k != "kid"}},
        {**rsa_jwk("x"), "kid": 7},
        "not-a-dict",
    ],
    ids=["kty-EC", "kty-oct", "use-enc", "alg-RS512", "alg-PS256", "alg-HS256", "alg-none",
         "no-kty", "no-kid", "kid-not-string", "not-a-dict"],
)
def test_keys_that_are_not_rs256_signing_keys_are_ignored(clock, entry):
    jwks = FakeJWKS(rsa_jwk("good"), entry)
    keys = KeySet(jwks, clock=clock)
    assert keys.get("good") == rsa_jwk("good")
    assert keys.get("bad") is None
    assert keys.get("x") is None
    assert keys.get("7") is None


def test_key_without_use_or_alg_is_accepted_as_an_rs256_signing_key(clock):
    entry = {"kty": "RSA", "kid": "plain", "n": "abc", "e": "AQAB"}
    keys = KeySet(FakeJWKS(entry), clock=clock)
    assert keys.get("plain") == entry


def test_concurrent_lookups_of_the_same_unknown_kid_fetch_once():
    threads_count = 20
    fetch_started = threading.Event()
    calls: list[float] = []
    lock = threading.Lock()

    def slow_fetch() -> dict[str, Any]:
        with lock:
            calls.append(time.monotonic())
        fetch_started.set()
        time.sleep(0.2)
        return {"keys": [rsa_jwk("k1")]}

    keys = KeySet(slow_fetch)
    barrier = threading.Barrier(threads_count)
    results: list[Any] = [None] * threads_count
    errors: list[BaseException] = []

    def ask(index: int) -> None:
        try:
            barrier.wait(timeout=5)
            results[index] = keys.get("k1")
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert not errors
    assert not any(thread.is_alive() for thread in threads)
    assert fetch_started.is_set()
    assert len(calls) == keys.fetch_count == 1
    assert results == [rsa_jwk("k1")] * threads_count


def test_concurrent_lookups_of_a_kid_the_issuer_does_not_publish_fetch_once():
    threads_count = 20
    calls: list[int] = []

    def slow_fetch() -> dict[str, Any]:
        calls.append(1)
        time.sleep(0.2)
        return {"keys": [rsa_jwk("k1")]}

    keys = KeySet(slow_fetch)
    barrier = threading.Barrier(threads_count)
    results: list[Any] = ["unset"] * threads_count

    def ask(index: int) -> None:
        barrier.wait(timeout=5)
        results[index] = keys.get("forged")

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(calls) == keys.fetch_count == 1
    assert results == [None] * threads_count


def test_single_flight_holds_even_without_a_refetch_interval():
    """Waiting threads re-check the cache after the lock, so the rate limit is not what saves us."""
    threads_count = 20
    calls: list[int] = []

    def slow_fetch() -> dict[str, Any]:
        calls.append(1)
        time.sleep(0.2)
        return {"keys": [rsa_jwk("k1")]}

    keys = KeySet(slow_fetch, min_refetch_seconds=0)
    barrier = threading.Barrier(threads_count)
    results: list[Any] = [None] * threads_count

    def ask(index: int) -> None:
        barrier.wait(timeout=5)
        results[index] = keys.get("k1")

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(calls) == keys.fetch_count == 1
    assert results == [rsa_jwk("k1")] * threads_count
