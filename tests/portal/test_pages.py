"""Pages: the workbench, the honest placeholders, security headers, CSRF, escaping."""

from __future__ import annotations

import re

from tests.conftest import csrf_token_from


def test_workbench_shows_the_users_functions_as_links(login_as):
    page = login_as("HRM_SL").get("/")
    assert page.status_code == 200
    assert "工作台" in page.text
    assert 'href="/licensing/accept"' in page.text
    assert "行政许可审批" not in page.text


def test_pages_send_security_headers_that_allow_framing_only_by_the_portal(make_app):
    app = make_app(PORTAL_ORIGIN="https://portal.example.gov.cn")
    response = app.test_client().get("/dev-portal/")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors https://portal.example.gov.cn" in csp
    assert "default-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_load_no_asset_from_outside(login_as):
    page = login_as("HRM_GL").get("/").text
    assert not re.search(r'(src|href)="(https?:)?//', page)
    css = re.search(r'href="([^"]+\.css)"', page).group(1)
    assert login_as("HRM_GL").get(css).status_code == 200


def test_form_post_without_csrf_token_is_refused(login_as):
    browser = login_as("HRM_SL")
    response = browser.post("/sso/logout")
    assert response.status_code == 400
    assert "请求已失效" in response.text
    assert browser.get("/").status_code == 200, "the refused logout did not end the session"


def test_logout_with_csrf_token_ends_the_session(login_as):
    browser = login_as("HRM_SL")
    token = csrf_token_from(browser.get("/").text)
    response = browser.post("/sso/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert browser.get("/").status_code == 302


def test_bearer_api_requests_are_csrf_exempt_but_cookie_ones_are_not(app, login_as, auth_header):
    # A POST to a public form endpoint: with a bearer header there is no CSRF check.
    client = app.test_client()
    response = client.post("/dev-portal/login", data={"user": "none"}, headers=auth_header("HRM_SL"))
    assert response.status_code == 302
    assert client.post("/dev-portal/login", data={"user": "none"}).status_code == 400


def test_user_name_is_escaped_on_pages(login_as):
    page = login_as("HRM_SL", name="<script>alert(1)</script>").get("/").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_unknown_url_answers_a_chinese_404_page(login_as):
    response = login_as("HRM_SL").get("/no/such/page")
    assert response.status_code == 404
    assert "页面不存在" in response.text


def test_clerk_home_shows_their_agency_from_the_registry(app, login_as, runner):
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    page = login_as("HRM_JG").get("/agency/")
    assert page.status_code == 200
    assert "津和人力资源服务有限公司" in page.text and "91120101MA05R7XQ0P" in page.text
