"""Operations: X-Request-ID on every answer and in the request's JSON log line, JSON logs that
keep tokens and ID numbers out, and /metrics in the Prometheus text format."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from portal_plugin.core.extensions import db
from portal_plugin.web import logs
from tests.kit import People


def request_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    """The request log lines as the JSON handler writes them."""
    fmt = logs.formatter()
    return [json.loads(fmt.format(r)) for r in caplog.records if r.name == "portal_plugin.request"]


def test_request_id_echoed_and_in_the_json_line(client: FlaskClient, people: People,
                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="portal_plugin.request")
    sent = "portal-req-0123456789abcdef"
    response = client.get("/api/v1/cases/licensing", headers={
        **people.officer("HRM_SL"), "X-Request-ID": sent})
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == sent
    [line] = [row for row in request_lines(caplog) if row["request_id"] == sent]
    assert line["status"] == 200 and line["path"] == "/api/v1/cases/licensing"
    assert line["user"] == "test-user" and line["level"] == "INFO"
    assert line["endpoint"] == "hrm.api.list_cases"
    raw = logs.formatter().format(next(r for r in caplog.records
                                       if getattr(r, "request_id", None) == sent))
    assert "Bearer" not in raw and "eyJ" not in raw


@pytest.mark.parametrize("sent", ["", "short", "x" * 300, "bad id with spaces", "<script>"])
def test_an_insane_request_id_is_replaced(client: FlaskClient, sent: str) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": sent})
    assert response.status_code == 200
    given = response.headers["X-Request-ID"]
    assert given != sent and len(given) == 32 and given.isalnum()


def test_every_answer_carries_a_request_id(client: FlaskClient) -> None:
    for response in (client.get("/no-such-page"), client.get("/api/v1/no-such"),
                     client.post("/portal/manifest.json"), client.get("/api/v1/cases/licensing"),
                     client.get("/portal/manifest.json")):
        assert len(response.headers["X-Request-ID"]) == 32, response.status_code
    ids = {client.get("/healthz").headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3


def test_the_formatter_masks_tokens_and_id_numbers() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1,
                               "got %s for %s", ("Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2ln",
                                                 "11010519491231002X"), None)
    record.header = "Authorization: Bearer abc.def.ghi"
    line = json.loads(logs.formatter().format(record))
    assert "eyJ" not in line["message"] and "11010519491231002X" not in line["message"]
    assert "[id-number]" in line["message"] and "abc.def.ghi" not in line["header"]


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus text page: (name, sorted labels) → value (parses it all)."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def count(found: dict[Any, float], endpoint: str, status: str) -> float:
    return found.get(("hrm_requests_total", (("endpoint", endpoint), ("method", "GET"),
                                             ("status", status))), 0.0)


def test_metrics_count_the_requests_and_show_the_business(
        client: FlaskClient, people: People, api: Any,
        bodies: Callable[[str], dict[str, Any]]) -> None:
    before = samples(client.get("/metrics").get_data(as_text=True))
    for _ in range(3):
        assert client.get("/api/v1/cases/licensing",
                          headers=people.officer("HRM_SL")).status_code == 200
    assert client.get("/api/v1/cases/licensing").status_code == 401
    api.bring("licensing", bodies("licensing"), "submitted")
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    after = samples(response.get_data(as_text=True))
    assert count(after, "hrm.api.list_cases", "200") - count(before, "hrm.api.list_cases",
                                                             "200") == 3
    assert count(after, "hrm.api.list_cases", "401") - count(before, "hrm.api.list_cases",
                                                             "401") == 1
    latency = ("hrm_request_duration_seconds_count",
               (("endpoint", "hrm.api.list_cases"), ("method", "GET")))
    assert after[latency] - before.get(latency, 0) == 4
    assert after[("hrm_cases", (("status", "submitted"), ("workflow", "licensing")))] == 1
    assert ("hrm_db_pool_checked_out", ()) in after and ("hrm_db_pool_size", ()) in after


def test_overdue_cases_are_counted(client: FlaskClient, app: Flask,
                                   api: Any, bodies: Callable[[str], dict[str, Any]]) -> None:
    import datetime as dt

    from portal_plugin.core.extensions import db
    from workflows.models import Case

    case = api.bring("licensing", bodies("licensing"),
                     "submitted")
    with app.app_context():
        db.session.get(Case, case["id"]).deadline = dt.date(2020, 1, 2)
        db.session.commit()
    found = samples(client.get("/metrics").get_data(as_text=True))
    assert found[("hrm_cases_overdue", (("status", "submitted"), ("workflow", "licensing")))] == 1


def test_metrics_token(make_app: Callable[..., Flask]) -> None:
    client = make_app(METRICS_TOKEN="s3cret-metrics").test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    ok = client.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics"})
    assert ok.status_code == 200 and "hrm_requests_total" in ok.get_data(as_text=True)



def test_secret_key_rotation_keeps_sessions(make_app: Callable[..., Flask],
                                            login_as: Callable[..., FlaskClient],
                                            app: Flask) -> None:
    """docs/operations.md §5: sessions are database rows named by a random id, so a new
    SECRET_KEY logs nobody out; ending the row ends the session."""
    cookie = login_as("HRM_SL").get_cookie("hrm_session")
    assert cookie is not None
    rotated = make_app(SECRET_KEY="n" * 48).test_client()
    rotated.set_cookie("hrm_session", cookie.value)
    assert rotated.get("/portal/menu.json").status_code == 200
    with app.app_context():
        db.session.execute(text("DELETE FROM plugin_sessions"))
        db.session.commit()
    assert rotated.get("/portal/menu.json").status_code == 401
