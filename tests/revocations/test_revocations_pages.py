"""The 注销单位行政许可 page: permissions, jurisdiction, the form's steps and errors, CSRF, escaping."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal_plugin.core.extensions import db
from portal_plugin.core.models import License
from portal_plugin.core.permissions import DEFAULT_ROLES
from portal_plugin.revocations.models import Revocation
from tests.conftest import csrf_token_from
from tests.kit import CITY, CLERK_CODE, HP, HX
from tests.revocations.conftest import EVIL

ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;人力资源有限公司"


def form(license_id: int, **overrides: str) -> dict[str, str]:
    return {"license_id": str(license_id), "ground": "R01", "decision_date": "2026-01-15",
            "document_number": "", "remarks": "", "q": "人力", **overrides}


def save(browser, data: dict[str, str]):
    token = csrf_token_from(browser.get("/revocations/new").text)
    return browser.post("/revocations/new", data={**data, "csrf_token": token})


def status_of(app, license_id: int) -> str:
    with app.app_context():
        return db.session.get(License, license_id).status


@pytest.mark.parametrize("role", sorted(DEFAULT_ROLES))
def test_pages_answer_only_revocation_managers(login_as, registry, role):
    browser = login_as(role, HP)
    expected = 200 if role == "HRM_GL" else 403
    for url in ("/revocations", "/revocations/new", "/revocations/new?q=人力"):
        assert browser.get(url).status_code == expected, (role, url)
    menu = browser.get("/").text
    assert ('href="/revocations"' in menu) == (role == "HRM_GL")


def test_add_finds_agencies_in_jurisdiction_and_saves(app, login_as, registry):
    browser = login_as("HRM_GL", HP)
    found = browser.get(f"/revocations/new?q={CLERK_CODE.lower()}").text
    assert ESCAPED in found and EVIL not in found
    assert f'value="{registry["hp_license0"]}"' in found
    assert f'value="{registry["hp_license1"]}"' in found
    response = save(browser, form(registry["hp_license0"]))
    assert response.status_code == 302 and response.headers["Location"].endswith("/revocations")
    assert status_of(app, registry["hp_license0"]) == "deregistered"
    listing = browser.get("/revocations").text
    assert "已注销许可证" in listing and "津人社许注字〔2026〕0101-1号" in listing
    assert ESCAPED in listing and EVIL not in listing and "有效期届满未延续" in listing
    # The revoked licence is no longer offered; the agency's other one still is.
    again = browser.get("/revocations/new?q=人力").text
    assert f'value="{registry["hp_license0"]}"' not in again
    assert f'value="{registry["hp_license1"]}"' in again
    assert browser.get("/revocations?ground=R02").text.count("津人社许注字") == 0


def test_district_officer_never_sees_another_districts_agencies(app, login_as, registry):
    hx = login_as("HRM_GL", HX)
    found = hx.get("/revocations/new?q=人力资源").text
    assert "河西英才" in found and ESCAPED not in found and "和平单证" not in found
    assert save(hx, form(registry["hp_license0"])).status_code == 404
    assert status_of(app, registry["hp_license0"]) == "valid"
    assert save(login_as("HRM_GL", HP), form(registry["hp_license0"])).status_code == 302
    listing = hx.get("/revocations").text
    assert ESCAPED not in listing and "没有符合条件的数据" in listing
    assert hx.get(f"/revocations?division={HP}").status_code == 422
    city = login_as("HRM_GL", CITY).get("/revocations").text
    assert ESCAPED in city


def test_bad_input_shows_inline_errors_and_keeps_values(app, login_as, registry):
    browser = login_as("HRM_GL", HP)
    response = save(browser, form(registry["hp_license0"], ground="", decision_date="2026/1/1",
                                  remarks="保留的备注"))
    assert response.status_code == 422
    assert 'id="err-ground">必填' in response.text
    assert 'id="err-decision_date">日期格式应为 YYYY-MM-DD' in response.text
    assert "保留的备注" in response.text and "checked" in response.text
    missing = save(browser, form("", q=""))
    assert missing.status_code == 422 and 'id="err-license_id">请选择要注销的许可证' in missing.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Revocation)) == 0


def test_twice_is_refused_with_a_clear_message(login_as, registry):
    browser = login_as("HRM_GL", HP)
    assert save(browser, form(registry["hp_license0"])).status_code == 302
    again = save(browser, form(registry["hp_license0"]))
    assert again.status_code == 409
    assert "该许可证已不是有效状态（已注销），不能重复注销" in again.text


def test_csrf_token_is_required(app, login_as, registry):
    browser = login_as("HRM_GL", HP)
    response = browser.post("/revocations/new", data=form(registry["hp_license0"]))
    assert response.status_code == 400
    assert status_of(app, registry["hp_license0"]) == "valid"
