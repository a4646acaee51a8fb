"""The input boundary, table-driven over every operation of the OpenAPI document: NUL bytes and
lone surrogates are 422 in every query parameter and JSON body, ids beyond the keys' range 404,
out-of-range dates and years 422; nothing answers 5xx. Also: forms and upload names, the body
cap (413 before reading, with flat memory for a 315 MB body) and 405's Allow."""

from __future__ import annotations

import io
import resource
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.kit import CLERK_CODE

OFFICER_ROLES = ["HRM_SL", "HRM_SH", "HRM_GL", "HRM_CX"]
BIG_IDS = (2**31, 2**63, 10**30)
BAD_DATES = ("0001-01-01", "9999-12-31", "1899-12-31", "3000-01-01")
BAD_YEARS = ("40000", "0", "-5", "99999999999999999999")
BAD_TEXT = ("a\x00b", "\x00")
PAGING = 0  # expected: clamped (200) or refused (422)


def operations(app: Flask) -> list[tuple[str, str, dict[str, Any]]]:
    with app.test_request_context():
        from portal_plugin.web.openapi import document

        doc = document()
    found = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if method in ("get", "post", "put", "delete", "patch"):
                found.append((method.upper(), "/api/v1" + path, op))
    return found


def fill(path: str, op: dict[str, Any], big: int | None = None) -> str:
    for p in op.get("parameters", []):
        if p["in"] != "path":
            continue
        value = "licensing" if p["name"] == "wf" else str(big if big is not None else 1)
        path = path.replace("{" + p["name"] + "}", value)
    return path


@pytest.fixture
def callers(token: Callable[..., str]) -> dict[str, dict[str, str]]:
    return {
        "officer": {"Authorization": "Bearer " + token(roles=OFFICER_ROLES, division="120000")},
        "clerk": {"Authorization": "Bearer " + token(roles=["HRM_JG"],
                                                     org_credit_code=CLERK_CODE)},
    }


def call(client: FlaskClient, callers: dict[str, dict[str, str]], method: str, url: str,
         **kw: Any) -> Any:
    """As an officer of every role; as the clerk when the officer may not."""
    response = client.open(url, method=method, headers=callers["officer"], **kw)
    if response.status_code == 403:
        response = client.open(url, method=method, headers=callers["clerk"], **kw)
    return response


def query_cases(app: Flask) -> Iterator[tuple[str, str, str, str, int]]:  # noqa: C901
    """(method, url, parameter, bad value, expected status) for every query parameter."""
    for method, path, op in operations(app):
        for p in op.get("parameters", []):
            if p["in"] != "query":
                continue
            schema = p.get("schema", {})
            for bad in BAD_TEXT:
                yield method, fill(path, op), p["name"], bad, 422
            if schema.get("format") == "date":
                for bad in BAD_DATES:
                    yield method, fill(path, op), p["name"], bad, 422
            if schema.get("type") == "integer":
                for bad in ("1e9", "１２", "12x"):
                    yield method, fill(path, op), p["name"], bad, 422
                # Beyond 32 bits: paging is clamped (or a page past the last refused), any
                # other number refused.
                paging = p["name"] in ("page", "per_page")
                for big in (str(2**31), str(-(2**31) - 5), "9" * 30):
                    yield method, fill(path, op), p["name"], big, PAGING if paging else 422
            if p["name"] in ("year", "from", "to"):
                for bad in BAD_YEARS:
                    yield method, fill(path, op), p["name"], bad, 422


def test_every_query_parameter(app: Flask, client: FlaskClient,
                               callers: dict[str, dict[str, str]]) -> None:
    cases = list(query_cases(app))
    assert len(cases) > 300
    wrong = []
    for method, url, name, bad, expected in cases:
        response = call(client, callers, method, url, query_string={name: bad})
        if response.status_code != expected and not (
                expected == PAGING and response.status_code in (200, 422)):
            wrong.append((method, url, name, bad, response.status_code))
        elif expected == 422:
            assert response.json["error"]["code"] == "invalid", (url, name, bad)
    assert not wrong, wrong


def test_every_id_beyond_the_range_is_404(app: Flask, client: FlaskClient,
                                          callers: dict[str, dict[str, str]]) -> None:
    wrong = []
    checked = 0
    for method, path, op in operations(app):
        if not any(p["in"] == "path" and p.get("schema", {}).get("type") == "integer"
                   for p in op.get("parameters", [])):
            continue
        for big in BIG_IDS:
            checked += 1
            response = call(client, callers, method, fill(path, op, big), json={})
            if response.status_code != 404:
                wrong.append((method, path, big, response.status_code))
    assert checked > 40 and not wrong, wrong


@pytest.mark.parametrize("raw", [
    '{"name": "\\ud800"}', '{"name": "x\\u0000y"}', '{"\\udfff": 1}',
    '{"agency": {"name": "\\udc00abc"}}', '{"reason": "\\u0000"}', '{"staff": ["\\ud83d"]}',
])
def test_every_json_body_refuses_forbidden_characters(app: Flask, client: FlaskClient,
                                                      callers: dict[str, dict[str, str]],
                                                      raw: str) -> None:
    wrong = []
    for method, path, op in operations(app):
        content = op.get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            continue
        response = call(client, callers, method, fill(path, op), data=raw,
                        content_type="application/json")
        # 404: the object the URL names does not exist (checked before the body is read).
        if response.status_code not in (422, 404):
            wrong.append((method, path, response.status_code))
        elif response.status_code == 422:
            assert response.json["error"]["code"] == "invalid"
    assert not wrong, wrong


def test_form_fields_and_upload_names(login_as: Callable[..., FlaskClient]) -> None:
    browser = login_as("HRM_GL")
    response = browser.post("/history-imports", data={
        "file": (io.BytesIO(b"PK"), "bad\x00name.xlsx")}, content_type="multipart/form-data")
    assert response.status_code == 422
    response = browser.post("/agencies/new", data={"name": "津\x00和"})
    assert response.status_code == 422
    response = browser.get("/agencies", query_string={"name": "x\x00"})
    assert response.status_code == 422


def test_405_carries_allow(client: FlaskClient) -> None:
    for url in ("/api/v1/catalog", "/healthz", "/portal/manifest.json", "/metrics"):
        response = client.delete(url)
        assert response.status_code == 405
        assert "GET" in response.headers["Allow"], url


class Endless(io.RawIOBase):
    """A body of `size` bytes made on demand (never held in memory)."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self.left)
        buffer[:n] = b" " * n
        self.left -= n
        self.read_bytes += n
        return n


SIZE = 315 * 1024 * 1024


def peak_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


@pytest.mark.parametrize("url,content_type", [
    ("/api/v1/agencies", "application/json"),
    ("/api/v1/cases/licensing", "application/json"),
    ("/api/v1/history-imports", "multipart/form-data; boundary=x"),
    ("/agencies/new", "application/x-www-form-urlencoded"),
])
def test_a_315_mb_body_is_413_before_it_is_read(client: FlaskClient, token: Callable[..., str],
                                                url: str, content_type: str) -> None:
    before = peak_kb()
    stream = Endless(SIZE)
    response = client.post(url, content_type=content_type,
                           headers={"Authorization": "Bearer " + token(roles=["HRM_GL"])},
                           environ_overrides={"wsgi.input": stream,
                                              "CONTENT_LENGTH": str(SIZE)})
    assert response.status_code == 413
    assert stream.read_bytes == 0
    assert peak_kb() - before < 50 * 1024  # the worker's memory stays flat


def test_a_streamed_body_without_length_is_413_past_the_cap(
        app: Flask, token: Callable[..., str]) -> None:
    """A chunked body (the server sets wsgi.input_terminated and no Content-Length, as
    gunicorn does) is refused once past the cap instead of being silently cut."""
    inner = app.wsgi_app

    def chunked(environ: dict[str, Any], start: Any) -> Any:
        environ.pop("CONTENT_LENGTH", None)
        environ["wsgi.input_terminated"] = True
        return inner(environ, start)

    app.wsgi_app = chunked  # type: ignore[method-assign]
    stream = Endless(SIZE)
    before = peak_kb()
    response = app.test_client().post(
        "/api/v1/agencies", content_type="application/json",
        headers={"Authorization": "Bearer " + token(roles=["HRM_GL"])},
        environ_overrides={"wsgi.input": stream})
    assert response.status_code == 413
    assert stream.read_bytes <= app.config["REQUEST_MAX_BODY_BYTES"] + 64 * 1024
    assert peak_kb() - before < 50 * 1024
    small = app.test_client().post(
        "/api/v1/agencies", content_type="application/json", data=b"{}",
        headers={"Authorization": "Bearer " + token(roles=["HRM_GL"])})
    assert small.status_code == 422  # under the cap the body is read as usual
