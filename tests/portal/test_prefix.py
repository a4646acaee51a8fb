"""Mounting under a prefix: links, menu URLs and the cookie path carry it; clients cannot inject one."""

from __future__ import annotations

import re

from flask import Flask, session

from portal_plugin import init_app
from portal_plugin.core.extensions import db
from tests.conftest import DEFAULT_DIVISION


def links(html: str) -> list[str]:
    return re.findall(r'(?:href|action)="([^"]+)"', html)


def test_trusted_proxy_prefix_is_carried_by_links_menu_and_cookie(make_app, token):
    app = make_app(PROXY_FIX_HOPS=1)
    client = app.test_client()
    headers = {"X-Forwarded-Prefix": "/hrm"}
    bearer = {"Authorization": "Bearer " + token(roles=["HRM_SL"]), **headers}
    menu = client.get("/portal/menu.json", headers=bearer).json
    urls = [item["url"] for group in menu["groups"] for item in group["items"]]
    assert urls and all(url.startswith("/hrm/") for url in urls)

    login = client.get("/sso/login?next=/hrm/licensing/accept", headers=headers)
    assert login.headers["Location"].startswith("/hrm/dev-portal/")
    assert "Path=/hrm" in login.headers["Set-Cookie"]
    page = client.get("/dev-portal/", headers=headers).text
    assert all(link.startswith("/hrm/") for link in links(page))


def test_prefix_header_is_ignored_without_a_configured_proxy(client, auth_header):
    headers = {"X-Forwarded-Prefix": "/evil", **auth_header("HRM_SL")}
    menu = client.get("/portal/menu.json", headers=headers).json
    urls = [item["url"] for group in menu["groups"] for item in group["items"]]
    assert urls and not any("/evil" in url for url in urls)


def test_client_cannot_inject_a_prefix_in_front_of_the_proxys(make_app, auth_header):
    app = make_app(PROXY_FIX_HOPS=1)
    # The client sent "/evil"; the one trusted proxy appended the real "/hrm".
    headers = {"X-Forwarded-Prefix": "/evil, /hrm", **auth_header("HRM_SL")}
    menu = app.test_client().get("/portal/menu.json", headers=headers).json
    urls = [item["url"] for group in menu["groups"] for item in group["items"]]
    assert urls and all(url.startswith("/hrm/") for url in urls)


def test_login_next_cannot_leave_the_mount(client):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        client.get("/sso/login", query_string={"next": target})
        with client.session_transaction() as sess:
            assert sess["hrm_next"] == "/"


def test_script_name_mount_gives_prefixed_links(login_as):
    page = login_as("HRM_SL").get("/", base_url="http://localhost/hrm")
    assert page.status_code == 200
    assert all(link.startswith("/hrm/") for link in links(page.text))


def test_init_app_mounts_the_bundle_in_a_host_app_under_a_prefix(database, tmp_path, token):
    host = Flask("host")
    host.config.update(
        SECRET_KEY="host-" + "y" * 40, TESTING=True, PORTAL_DEV_MODE=True,
        SQLALCHEMY_DATABASE_URI=database.fresh_url(tmp_path),
    )

    @host.get("/")
    def host_home() -> str:
        session["host"] = "kept"
        return "host home"

    init_app(host, "/hrm")
    client = host.test_client()
    host_page = client.get("/")
    assert host_page.text == "host home"
    assert host_page.headers["Set-Cookie"].startswith("session="), "host keeps its own cookie"

    with host.app_context():
        bearer = {"Authorization": "Bearer " + token_for(host, DEFAULT_DIVISION)}
    menu = client.get("/hrm/portal/menu.json", headers=bearer).json
    urls = [item["url"] for group in menu["groups"] for item in group["items"]]
    assert urls and all(url.startswith("/hrm/") for url in urls)
    login = client.get("/hrm/sso/login")
    assert "hrm_session=" in login.headers["Set-Cookie"]
    assert "Path=/hrm" in login.headers["Set-Cookie"]
    assert client.get("/hrm/healthz").json == {"status": "ok"}
    with host.app_context():
        db.engine.dispose()


def token_for(app: Flask, division: str) -> str:
    from sso.devportal import dev_portal_for

    return dev_portal_for(app).mint(
        {"sub": "u", "name": "n", "division": division, "roles": ["HRM_SL"]})


def test_a_list_rows_url_pattern_builds_what_url_for_builds(make_app):
    """core.pages.url_pattern (one url_for per list page) against url_for itself, mounted under
    a prefix (the script root a forwarded prefix becomes) and at the root, for ids of every
    length."""
    from flask import url_for

    from portal_plugin.core.pages import url_pattern

    app = make_app()
    for root in ("/hrm", ""):
        with app.test_request_context("/licensing/accept", base_url=f"http://localhost{root}/"):
            case_url = url_pattern("hrm.cases.case_page", "case_id", wf="change")
            agency_url = url_pattern("hrm.agencies.detail", "agency_id")
            for n in (1, 9, 10, 987, 2**31 - 1, 9_087_654_321_012_345):
                assert case_url(n) == url_for("hrm.cases.case_page", wf="change", case_id=n)
                assert agency_url(n) == url_for("hrm.agencies.detail", agency_id=n)
            assert case_url(5) == f"{root}/cases/change/5"
