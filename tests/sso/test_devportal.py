"""The dev portal: demo-user login, `flask dev-token`, its key made once and shared."""

from __future__ import annotations

import time

from sso.devportal import DEMO_USERS, dev_portal_for
from sso.session import SESSION_KEY
from tests.conftest import csrf_token_from
from tests.portal.test_declarations import AGENCY_MENU


def test_dev_token_command_prints_a_token_the_app_accepts(app, runner, client):
    result = runner.invoke(args=["dev-token", "--sub", "u7", "--name", "王敏", "--division",
                                 "120101", "--roles", "HRM_SL,HRM_CX"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    menu = client.get("/portal/menu.json", headers={"Authorization": f"Bearer {token}"})
    assert menu.status_code == 200
    assert menu.json["user"] == {"id": "u7", "name": "王敏", "division": "120101",
                                 "roles": ["HRM_SL", "HRM_CX"]}


def test_dev_token_for_a_clerk_carries_the_credit_code(runner, client):
    token = runner.invoke(args=["dev-token", "--sub", "c", "--name", "吴芳", "--division", "120101",
                                "--roles", "HRM_JG", "--org-credit-code",
                                "91120101MA05R7XQ0P"]).output.strip()
    menu = client.get("/portal/menu.json", headers={"Authorization": f"Bearer {token}"}).json
    assert [i["label"] for g in menu["groups"] for i in g["items"]] == AGENCY_MENU


def test_key_is_made_once_and_shared_by_every_app_on_the_instance(make_app):
    first, second = make_app(), make_app()
    assert dev_portal_for(first).public_jwk == dev_portal_for(second).public_jwk
    with first.app_context():
        token = dev_portal_for(first).mint({"sub": "x", "name": "n", "division": "120101",
                                            "roles": ["HRM_SL"]})
    response = second.test_client().get("/portal/menu.json",
                                        headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_jwks_endpoint_publishes_only_the_public_key(client, app):
    keys = client.get("/dev-portal/jwks.json").json["keys"]
    assert len(keys) == 1
    assert keys[0]["kid"] == dev_portal_for(app).public_jwk["kid"]
    assert not {"d", "p", "q", "dp", "dq", "qi"} & keys[0].keys()


def test_dev_portal_is_absent_without_dev_mode(make_app, app):
    with app.app_context():
        token = dev_portal_for(app).mint({"sub": "x", "name": "n", "division": "120101",
                                          "roles": ["HRM_SL"]})
    plain = make_app(PORTAL_DEV_MODE=False)
    client = plain.test_client()
    assert client.get("/dev-portal/").status_code == 404
    assert client.get("/portal/menu.json",
                      headers={"Authorization": f"Bearer {token}"}).status_code == 401
    result = plain.test_cli_runner().invoke(args=["dev-token", "--sub", "x", "--name", "n",
                                                  "--division", "120101", "--roles", "HRM_SL"])
    assert result.exit_code != 0


def test_login_page_lists_demo_users_and_signs_in_through_the_verifier(client):
    page = client.get("/dev-portal/?next=/licensing/accept")
    for user in DEMO_USERS:
        assert user.name in page.text
    response = client.post("/dev-portal/login", data={
        "csrf_token": csrf_token_from(page.text), "user": "hp-sl", "next": "/licensing/accept"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/licensing/accept"
    assert client.get("/licensing/accept").status_code == 200


def test_demo_clerk_lands_on_the_agency_side_only(client):
    page = client.get("/dev-portal/")
    client.post("/dev-portal/login",
                data={"csrf_token": csrf_token_from(page.text), "user": "clerk", "next": "/"})
    workbench = client.get("/").text
    assert "本机构信息" in workbench and "行政许可受理" not in workbench


def test_session_ends_when_the_token_expires(login_as):
    browser = login_as("HRM_SL")
    assert browser.get("/").status_code == 200
    with browser.session_transaction() as session:
        user = session[SESSION_KEY]
        user["exp"] = int(time.time()) - 1
        session[SESSION_KEY] = user
    response = browser.get("/")
    assert response.status_code == 302 and "/sso/login" in response.headers["Location"]


def test_session_cookie_expires_no_later_than_the_token(client):
    page = client.get("/dev-portal/")
    response = client.post("/dev-portal/login",
                           data={"csrf_token": csrf_token_from(page.text), "user": "hp-sl"})
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("hrm_session=") and "Expires=" in cookie and "HttpOnly" in cookie
    with client.session_transaction() as session:
        assert session[SESSION_KEY]["exp"] <= time.time() + 8 * 3600 + 5
        assert set(session[SESSION_KEY]) == {"sub", "name", "division", "roles",
                                             "org_credit_code", "amr", "sid", "exp"}
