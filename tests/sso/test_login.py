"""Browser-login edge cases that need no provider: unreachable portal, forged callback."""

from __future__ import annotations


def test_unreachable_portal_gives_a_clear_503_page_not_a_crash(make_app):
    app = make_app(SSO_ISSUER="http://127.0.0.1:9", SSO_HTTP_TIMEOUT_SECONDS=1)
    response = app.test_client().get("/sso/login")
    assert response.status_code == 503
    assert "门户暂时无法访问" in response.text


def test_callback_without_a_login_in_progress_is_refused(make_app):
    app = make_app(SSO_ISSUER="http://127.0.0.1:9")
    response = app.test_client().get("/sso/callback?code=forged&state=forged")
    assert response.status_code == 401
    assert "登录失败" in response.text


def test_without_issuer_or_dev_mode_login_says_it_is_not_configured(make_app):
    response = make_app(PORTAL_DEV_MODE=False).test_client().get("/sso/login")
    assert response.status_code == 503
    assert "门户登录未配置" in response.text
