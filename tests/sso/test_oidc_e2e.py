"""End to end against a real OpenID provider (npm `oidc-provider`, tests/oidc/provider.mjs).

The app runs as a real HTTP server; a requests.Session plays the browser and follows every
redirect between the app and the provider, which signs in the account named by login_hint.
Every test runs against two portals: one that puts the business claims in the ID token, and a
strictly conforming one (`conformIdTokenClaims`) that releases them only at the userinfo
endpoint, under a scope of its own naming (`gov_hrm_biz`) that the plugin asks for through
SSO_SCOPE.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests
from jose import jwt
from werkzeug.serving import make_server

from tests.conftest import base_config

pytestmark = pytest.mark.slow

PROVIDER = Path(__file__).resolve().parents[1] / "oidc" / "provider.mjs"
CLIENT_ID = "hrm-plugin"
CLIENT_SECRET = "e2e-" + secrets.token_hex(16)
RESOURCE = "urn:hrm:api"
TEST_RP_CALLBACK = "http://127.0.0.1:9/cb"  # the test's own client redirect, never served

ACCOUNTS = {
    "sl-hp": {"name": "陈晨", "division": "120101", "roles": ["HRM_SL"], "amr": ["sscard"]},
    "gl-city": {"name": "赵静", "division": "120000", "roles": ["HRM_GL"], "amr": ["sscard"]},
    "clerk": {"name": "吴芳", "division": "120101", "roles": ["HRM_JG"], "amr": ["pwd"],
              "org_credit_code": "91120101MA05R7XQ0P"},
    "pwd-officer": {"name": "钱多", "division": "120101", "roles": ["HRM_SL"], "amr": ["pwd"]},
    "no-role": {"name": "孙静", "division": "120101", "roles": ["OTHER_SYSTEM"], "amr": ["sscard"]},
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


PORTALS = {
    # claims in the ID token, under the plugin's documented scope
    "claims-in-id-token": {"scope": "openid profile hrm", "claims_scope": "hrm", "conform": "0"},
    # strictly conforming: claims only at userinfo, under the portal's own scope name
    "strict-userinfo": {"scope": "openid profile gov_hrm_biz", "claims_scope": "gov_hrm_biz",
                        "conform": "1"},
}


@pytest.fixture(scope="module", params=sorted(PORTALS))
def portal(request: pytest.FixtureRequest) -> dict[str, str]:
    return {"name": request.param, **PORTALS[request.param]}


@pytest.fixture(scope="module")
def ports(portal: dict[str, str]) -> dict[str, int]:
    return {"app": free_port(), "provider": free_port(), "unscoped": free_port()}


@pytest.fixture(scope="module")
def provider(ports: dict[str, int], portal: dict[str, str]) -> Iterator[str]:
    if shutil.which("node") is None or not (PROVIDER.parent / "node_modules").exists():
        pytest.fail("oidc-provider is not installed: run `make test` (npm ci --prefix tests/oidc)")
    issuer = f"http://127.0.0.1:{ports['provider']}"
    app_base = f"http://127.0.0.1:{ports['app']}"
    unscoped_base = f"http://127.0.0.1:{ports['unscoped']}"
    env = {
        **os.environ,
        "OIDC_PORT": str(ports["provider"]),
        "OIDC_ISSUER": issuer,
        "OIDC_RESOURCE": RESOURCE,
        "OIDC_ACCOUNTS": json.dumps(ACCOUNTS),
        "OIDC_CLAIMS_SCOPE": portal["claims_scope"],
        "OIDC_CONFORM": portal["conform"],
        "OIDC_CLIENTS": json.dumps([{
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uris": [f"{app_base}/sso/callback", f"{unscoped_base}/sso/callback",
                              TEST_RP_CALLBACK],
            "post_logout_redirect_uris": [f"{app_base}/"],
            "grant_types": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_method": "client_secret_basic",
            "backchannel_logout_uri": f"{app_base}/sso/backchannel-logout",
            "backchannel_logout_session_required": True,
        }]),
    }
    process = subprocess.Popen(["node", str(PROVIDER)], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    deadline = time.monotonic() + 30
    line = ""
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith("READY") or not line and process.poll() is not None:
            break
    if not line.startswith("READY"):
        process.kill()
        pytest.fail(f"oidc-provider did not start: {line!r}")
    # Keep draining its output so the pipe never fills.
    log = open(os.environ.get("OIDC_TEST_LOG", os.devnull), "a")  # noqa: SIM115
    threading.Thread(target=lambda: [log.write(line) for line in process.stdout],
                     daemon=True).start()
    yield issuer
    process.terminate()
    process.wait(timeout=10)


def serve(app, port: int) -> Iterator[str]:
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture(scope="module")
def live_app(provider: str, ports: dict[str, int], portal: dict[str, str], tmp_path_factory,
             database_url) -> Iterator[str]:
    """The plugin served over real HTTP, configured against the provider like production."""
    from portal_plugin import create_app

    tmp = tmp_path_factory.mktemp("e2e")
    app = create_app(base_config(
        tmp / "instance", database_url,
        PORTAL_DEV_MODE=False,
        SSO_ISSUER=provider,
        SSO_CLIENT_ID=CLIENT_ID,
        SSO_CLIENT_SECRET=CLIENT_SECRET,
        SSO_AUDIENCE=RESOURCE,
        SSO_REQUIRED_AMR="sscard",
        # Let the key-rotation test see a refetch within a second instead of 30 s.
        SSO_JWKS_MIN_REFETCH_SECONDS=1,
        SSO_SCOPE=portal["scope"],
        TESTING=False,
    ))
    yield from serve(app, ports["app"])


@pytest.fixture(scope="module")
def unscoped_app(provider: str, ports: dict[str, int], tmp_path_factory, database_url
                 ) -> Iterator[str]:
    """The plugin asking for no business scope at all (a misconfigured SSO_SCOPE)."""
    from portal_plugin import create_app

    app = create_app(base_config(
        tmp_path_factory.mktemp("e2e-unscoped") / "instance", database_url,
        PORTAL_DEV_MODE=False, SSO_ISSUER=provider, SSO_CLIENT_ID=CLIENT_ID,
        SSO_CLIENT_SECRET=CLIENT_SECRET, SSO_AUDIENCE=RESOURCE, SSO_SCOPE="openid profile",
        TESTING=False,
    ))
    yield from serve(app, ports["unscoped"])


@pytest.fixture(scope="module")
def database_url(tmp_path_factory) -> str:
    """A migrated, seeded SQLite database for the live server (the flow is backend-neutral)."""
    from tests.conftest import Database

    return Database("sqlite", tmp_path_factory.mktemp("e2e-db")).url


def follow(browser: requests.Session, url: str, stop_at: str | None = None,
           limit: int = 20) -> requests.Response:
    """Follow redirects one by one (across app and provider), stopping before `stop_at`."""
    response = browser.get(url, allow_redirects=False, timeout=10)
    for _ in range(limit):
        if response.status_code not in (301, 302, 303, 307, 308):
            return response
        target = urljoin(response.url, response.headers["Location"])
        if stop_at and target.startswith(stop_at):
            response.headers["Location"] = target
            return response
        response = browser.get(target, allow_redirects=False, timeout=10)
    raise AssertionError("redirect loop")


def browser_login(app_url: str, account: str) -> tuple[requests.Session, requests.Response]:
    browser = requests.Session()
    query = urlencode({"login_hint": account, "next": "/"})
    return browser, follow(browser, f"{app_url}/sso/login?{query}")


def tokens_for(issuer: str, account: str, scope: str = "openid profile hrm",
               resource: bool = True) -> dict[str, str]:
    """Run the code flow as a separate test client (PKCE) and return the provider's tokens."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    meta = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
    params = {
        "client_id": CLIENT_ID, "response_type": "code", "redirect_uri": TEST_RP_CALLBACK,
        "scope": scope, "state": secrets.token_hex(8),
        "nonce": secrets.token_hex(8), "login_hint": account,
        "code_challenge": challenge.rstrip(b"=").decode(), "code_challenge_method": "S256",
        "resource": RESOURCE,
    }
    browser = requests.Session()
    redirect = follow(browser, meta["authorization_endpoint"] + "?" + urlencode(params),
                      stop_at=TEST_RP_CALLBACK)
    code = parse_qs(urlsplit(redirect.headers["Location"]).query)["code"][0]
    response = requests.post(meta["token_endpoint"], auth=(CLIENT_ID, CLIENT_SECRET), timeout=10,
                             data={"grant_type": "authorization_code", "code": code,
                                   "redirect_uri": TEST_RP_CALLBACK, "code_verifier": verifier,
                                   **({"resource": RESOURCE} if resource else {})})
    response.raise_for_status()
    return response.json()


def menu_labels(payload: dict) -> list[str]:
    return [item["label"] for group in payload["groups"] for item in group["items"]]


def test_browser_login_lands_on_the_workbench_with_the_right_menu(live_app):
    browser, page = browser_login(live_app, "sl-hp")
    assert page.status_code == 200, page.text[:500]
    assert page.url == f"{live_app}/"
    assert "工作台" in page.text and "陈晨" in page.text
    assert "行政许可受理" in page.text and "行政许可审批" not in page.text
    cookie = next(c for c in browser.cookies if c.name == "hrm_session")
    assert cookie.path == "/" and cookie.expires is not None
    menu = browser.get(f"{live_app}/portal/menu.json", timeout=10).json()
    assert "注销受理" in menu_labels(menu) and "机构管理" not in menu_labels(menu)


def test_browser_login_of_a_clerk_shows_only_the_agency_side(live_app):
    _, page = browser_login(live_app, "clerk")
    assert page.status_code == 200
    assert "本机构信息" in page.text and "行政许可受理" not in page.text


def test_user_without_a_mapped_role_sees_the_no_access_page(live_app):
    _, page = browser_login(live_app, "no-role")
    assert page.status_code == 403
    assert "未获授权，请联系门户管理员" in page.text


def test_officer_without_the_card_scan_is_refused_when_amr_is_required(live_app):
    _, page = browser_login(live_app, "pwd-officer")
    assert page.status_code == 403
    assert "电子社保卡" in page.text


def test_logout_ends_the_session_and_goes_to_the_portal(live_app, provider):
    browser, _ = browser_login(live_app, "sl-hp")
    page = browser.get(f"{live_app}/", timeout=10).text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = browser.post(f"{live_app}/sso/logout", data={"csrf_token": token},
                            allow_redirects=False, timeout=10)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(provider)
    again = browser.get(f"{live_app}/", allow_redirects=False, timeout=10)
    assert again.status_code == 302 and "/sso/login" in again.headers["Location"]


def test_bearer_access_token_from_the_provider_is_accepted(live_app, provider):
    tokens = tokens_for(provider, "gl-city")
    header = jwt.get_unverified_header(tokens["access_token"])
    assert header["typ"] == "at+jwt"
    response = requests.get(f"{live_app}/portal/menu.json", timeout=10,
                            headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert response.status_code == 200
    assert "机构管理" in menu_labels(response.json())
    assert response.json()["user"]["division"] == "120000"


def test_id_token_is_refused_where_an_access_token_is_required(live_app, provider):
    tokens = tokens_for(provider, "gl-city")
    response = requests.get(f"{live_app}/portal/menu.json", timeout=10,
                            headers={"Authorization": f"Bearer {tokens['id_token']}"})
    assert response.status_code == 401


def test_key_rotation_at_the_provider_is_followed_without_a_restart(live_app, provider):
    before = tokens_for(provider, "gl-city")
    ok = requests.get(f"{live_app}/portal/menu.json", timeout=10,
                      headers={"Authorization": f"Bearer {before['access_token']}"})
    assert ok.status_code == 200
    new_kid = requests.post(f"{provider}/__admin/rotate", timeout=30).json()["kid"]
    time.sleep(1.2)  # past the test app's 1 s refetch interval
    after = tokens_for(provider, "gl-city")
    assert jwt.get_unverified_header(after["access_token"])["kid"] == new_kid
    response = requests.get(f"{live_app}/portal/menu.json", timeout=10,
                            headers={"Authorization": f"Bearer {after['access_token']}"})
    assert response.status_code == 200
    _, page = browser_login(live_app, "sl-hp")
    assert page.status_code == 200 and "工作台" in page.text


def test_the_business_claims_arrive_where_this_portal_puts_them(live_app, provider, portal):
    """The strict portal's ID token carries none of them; the officer still gets the menu."""
    # As the plugin's login asks: no resource, so the access token is for userinfo.
    tokens = tokens_for(provider, "sl-hp", scope=portal["scope"], resource=False)
    id_claims = jwt.get_unverified_claims(tokens["id_token"])
    if portal["conform"] == "1":
        assert "roles" not in id_claims and "division" not in id_claims
    else:
        assert id_claims["roles"] == ["HRM_SL"]
    browser, page = browser_login(live_app, "sl-hp")
    assert page.status_code == 200 and "行政许可受理" in page.text
    menu = browser.get(f"{live_app}/portal/menu.json", timeout=10).json()
    assert menu["user"]["division"] == "120101"
    assert "行政许可受理" in menu_labels(menu)


def test_a_portal_that_releases_no_roles_gets_a_403_page_naming_the_claim(unscoped_app):
    """SSO_SCOPE without the portal's business scope: neither ID token nor userinfo has roles."""
    browser, page = browser_login(unscoped_app, "sl-hp")
    assert page.status_code == 403
    assert "缺少门户声明 roles" in page.text and "（openid profile）" in page.text
    again = browser.get(f"{unscoped_app}/", allow_redirects=False, timeout=10)
    assert again.status_code == 302, "no session was started"


def test_signing_out_at_the_portal_ends_the_plugin_session_by_back_channel(live_app, provider):
    browser, page = browser_login(live_app, "sl-hp")
    assert page.status_code == 200
    copied = requests.Session()
    copied.cookies.update({c.name: c.value for c in browser.cookies
                           if c.name == "hrm_session"})
    assert copied.get(f"{live_app}/", allow_redirects=False, timeout=10).status_code == 200
    # The user signs out at the portal itself (not through the plugin's 退出).
    meta = requests.get(f"{provider}/.well-known/openid-configuration", timeout=10).json()
    ended = follow(browser, meta["end_session_endpoint"] + "?" + urlencode(
        {"client_id": CLIENT_ID}))
    form = ended.text
    action = urljoin(ended.url, form.split('action="')[1].split('"')[0])
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
    done = browser.post(action, data=fields, timeout=10)
    assert done.status_code == 200 and "signed out" in done.text
    again = browser.get(f"{live_app}/", allow_redirects=False, timeout=10)
    assert again.status_code == 302 and "/sso/login" in again.headers["Location"]
    refused = copied.get(f"{live_app}/", allow_redirects=False, timeout=10)
    assert refused.status_code == 302, "the portal's logout ended the session everywhere"
