"""Concurrency on PostgreSQL: requests served over real HTTP, each in its own thread and database
connection, released together at a barrier. Parallel approvals give unique, gap-free numbers;
of parallel actions on one case exactly one wins (DESIGN.md, Tests)."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter as Tally
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import func, select
from werkzeug.serving import make_server

from portal_plugin.core.clock import local_zone
from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency, AuditEvent, License
from tests.kit import HP, agency_body, credit_code
from workflows import numbering
from workflows.models import Counter, IssuedNumber

# Enough pooled connections for every request of a race at once.
POOL = {"pool_size": 20, "max_overflow": 40, "pool_pre_ping": True}
# A race queues its requests on one row lock: on 2 cores the last may wait longer than the
# 1.5 s a request's statement may take in production (a frozen database answers 503 then, see
# tests/faults). These tests are about the numbers, so their statements may wait.
# Fifty connections opened at once may also take longer than the production connect and ping
# limits, after which the breaker would answer 503 to the whole race.
PATIENT = {"DB_STATEMENT_TIMEOUT_SECONDS": 60, "DB_POOL_TIMEOUT_SECONDS": 30,
           "DB_CONNECT_TIMEOUT_SECONDS": 30, "DB_PING_TIMEOUT_SECONDS": 30,
           "DB_RETRY_SECONDS": 0.1}
Call = tuple[str, str, dict[str, str], dict[str, Any]]


@pytest.fixture
def app(database, make_app: Callable[..., Flask]) -> Flask:
    if database.backend != "postgresql":
        pytest.skip("concurrency needs PostgreSQL (row locks, parallel connections)")
    return make_app(SQLALCHEMY_ENGINE_OPTIONS=POOL, **PATIENT)


@pytest.fixture
def server(app: Flask) -> Iterator[str]:
    """The app on a real threaded HTTP server: one thread (and session) per request."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.port}/api/v1"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def race(calls: list[Call]) -> list[requests.Response]:
    """Send every call at once: each thread connects, waits at a barrier, then sends."""
    barrier = threading.Barrier(len(calls))

    def send(call: Call) -> requests.Response:
        method, url, headers, body = call
        with requests.Session() as session:
            barrier.wait(timeout=30)
            return session.request(method, url, json=body, headers=headers, timeout=60)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(send, calls))


def local_year() -> int:
    return dt.datetime.now(local_zone()).year


def counter(app: Flask, series: str) -> int | None:
    with app.app_context():
        row = db.session.get(Counter, series)
        return None if row is None else row.value


def pending_cases(api, people, count: int, seed: int) -> list[dict[str, Any]]:
    """Licensing cases of `count` distinct 和平区 agencies, accepted (pending review)."""
    officer = people.officer("HRM_SL")
    cases = []
    for n in range(count):
        code = credit_code(seed + n)
        response = api.create("licensing", {"agency": agency_body(code, name=f"并发测试机构{n:02d}"),
                                            "license_items": ["L01"]}, code, submit=True)
        assert response.status_code == 201, response.json
        response = api.act("licensing", response.json["id"], "accept", officer)
        assert response.status_code == 200, response.json
        cases.append(response.json)
    return cases


def expected_numbers(kind: str, year: int, count: int) -> set[str]:
    fmt = numbering.DEFAULT_FORMATS[kind]
    return {fmt.format(year=year, district=HP[2:], division=HP, seq=seq)
            for seq in range(1, count + 1)}


def test_fifty_parallel_approvals_issue_unique_consecutive_numbers(app: Flask, api, people,
                                                                   server: str) -> None:
    cases = pending_cases(api, people, 50, seed=3000)
    year = local_year()
    reviewer = people.officer("HRM_SH")
    responses = race([("post", f"{server}/cases/licensing/{case['id']}/approve", reviewer, {})
                      for case in cases])

    assert [r.status_code for r in responses] == [200] * 50, [r.text for r in responses]
    answers = [r.json() for r in responses]
    assert [a["id"] for a in answers] == [c["id"] for c in cases]
    assert {a["status"] for a in answers} == {"approved"}
    licences = [a["license_number"] for a in answers]
    decisions = [a["decision_number"] for a in answers]
    assert len(set(licences)) == 50 and len(set(decisions)) == 50
    # Sequence parts exactly 1..50: no gap, no repeat.
    assert set(licences) == expected_numbers("license", year, 50)
    assert set(decisions) == expected_numbers("decision", year, 50)
    assert counter(app, f"license:{year}:{HP}") == 50
    assert counter(app, f"decision:{year}:{HP}") == 50
    with app.app_context():
        stored = db.session.scalars(select(License.license_number)).all()
        assert sorted(stored) == sorted(licences)
        assert db.session.scalar(select(func.count()).select_from(Agency)) == 50
        # Every number is in the city-wide register, once.
        registered = db.session.scalars(select(IssuedNumber.number).where(
            IssuedNumber.kind.in_(("license", "decision")))).all()
        assert sorted(registered) == sorted(licences + decisions)


def test_ten_parallel_accepts_of_one_case_let_exactly_one_win(app: Flask, api, people,
                                                              server: str) -> None:
    code = credit_code(4000)
    case = api.create("licensing", {"agency": agency_body(code), "license_items": ["L01"]}, code,
                      submit=True).json
    officer = people.officer("HRM_SL")
    responses = race([("post", f"{server}/cases/licensing/{case['id']}/accept", officer, {})] * 10)

    tally = Tally(r.status_code for r in responses)
    assert tally == {200: 1, 409: 9}, [r.text for r in responses]
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"conflict"}
    after = api.get("licensing", case["id"], officer).json
    assert after["status"] == "pending_review"
    assert after["version"] == case["version"] + 1
    assert [e["action"] for e in after["events"] if not e["action"].startswith("material_")
            ] == ["create", "submit", "accept"]
    with app.app_context():
        accepts = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.object_type == "case", AuditEvent.object_id == str(case["id"]),
            AuditEvent.action == "accept"))
    assert accepts == 1


def test_parallel_approve_and_refuse_of_one_case_let_exactly_one_win(app: Flask, api, people,
                                                                     server: str) -> None:
    cases = pending_cases(api, people, 8, seed=5000)
    reviewer = people.officer("HRM_SH")
    calls: list[Call] = []
    for case in cases:
        calls.append(("post", f"{server}/cases/licensing/{case['id']}/approve", reviewer, {}))
        calls.append(("post", f"{server}/cases/licensing/{case['id']}/refuse", reviewer,
                      {"reason": "材料不齐全"}))
    responses = race(calls)

    year = local_year()
    approved = 0
    for index, case in enumerate(cases):
        approve, refuse = responses[2 * index], responses[2 * index + 1]
        assert sorted([approve.status_code, refuse.status_code]) == [200, 409], (
            approve.text, refuse.text)
        winner = "approved" if approve.status_code == 200 else "refused"
        approved += winner == "approved"
        after = api.get("licensing", case["id"], reviewer).json
        assert after["status"] == winner
        assert after["version"] == case["version"] + 1
        assert [e["action"] for e in after["events"]][-1] == {"approved": "approve",
                                                               "refused": "refuse"}[winner]
        with app.app_context():
            licences = db.session.scalars(select(License).join(Agency).where(
                Agency.credit_code == case["agency"]["credit_code"])).all()
            agency = db.session.scalar(select(Agency).where(
                Agency.credit_code == case["agency"]["credit_code"]))
        # The registry matches the winner: a licence (and agency) exists iff approval won.
        assert len(licences) == (1 if winner == "approved" else 0)
        assert (agency is not None) == (winner == "approved")
        if winner == "approved":
            assert licences[0].license_number == after["license_number"]
        else:
            assert "license_number" not in after
    # Numbers of the winning approvals are still gap-free.
    assert counter(app, f"license:{year}:{HP}") == (approved or None)
    with app.app_context():
        numbers = set(db.session.scalars(select(License.license_number)).all())
    assert numbers == expected_numbers("license", year, approved)


def test_parallel_submissions_get_unique_consecutive_case_numbers(app: Flask, people, api,
                                                                  server: str) -> None:
    calls: list[Call] = []
    for n in range(20):  # drafts with their materials, then twenty submissions at once
        code = credit_code(6000 + n)
        draft = api.create("licensing", {"agency": agency_body(code), "license_items": ["L01"]},
                           code)
        assert draft.status_code == 201, draft.json
        calls.append(("post", f"{server}/cases/licensing/{draft.json['id']}/submit",
                      people.clerk(code), {}))
    responses = race(calls)

    assert [r.status_code for r in responses] == [200] * 20, [r.text for r in responses]
    numbers = [r.json()["case_no"] for r in responses]
    local_day = dt.datetime.fromisoformat(responses[0].json()["submitted_at"]).astimezone(
        local_zone()).date()
    fmt = numbering.DEFAULT_FORMATS["case"]
    assert set(numbers) == {fmt.format(kind="XK", division=HP, date=local_day, seq=seq)
                            for seq in range(1, 21)}
    assert counter(app, f"case:XK:{HP}:{local_day:%Y%m%d}") == 20
