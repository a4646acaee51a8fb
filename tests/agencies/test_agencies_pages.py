"""The 机构管理 pages: permissions, jurisdiction, add/edit forms, history, delete, CSRF, escaping."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency, AuditEvent, Filing
from tests.agencies.conftest import EVIL, body
from tests.conftest import csrf_token_from
from tests.kit import CITY, HP, HX


def form(seed: int = 1, division: str = HP, **overrides) -> dict[str, str]:
    return {k: "" if v is None else str(v) for k, v in body(seed, division, **overrides).items()}


def post(browser, url: str, data: dict[str, str]):
    token = csrf_token_from(browser.get(url).text)
    return browser.post(url, data={**data, "csrf_token": token})


def test_menu_item_replaces_the_placeholder(login_as):
    page = login_as("HRM_GL", HP).get("/agencies").text
    assert "机构管理" in page and "此功能尚未开通" not in page
    assert "添加人力资源服务机构" in page and ">查询<" in page


def test_a_view_role_reads_the_details_without_edit_or_delete(login_as, add):
    agency = add(1)
    page = login_as("HRM_CX", HP).get(f"/agencies/{agency['id']}").text
    assert agency["name"] in page and "变更记录" in page
    assert f"/agencies/{agency['id']}/edit" not in page
    assert f"/agencies/{agency['id']}/delete" not in page
    manager = login_as("HRM_GL", HP).get(f"/agencies/{agency['id']}").text
    assert f"/agencies/{agency['id']}/edit" in manager


def test_foreign_district_officer_gets_404_and_never_sees_the_agency(login_as, two):
    hp, hx = two
    browser = login_as("HRM_GL", HP)
    listing = browser.get("/agencies").text
    assert hp["name"] in listing and hx["name"] not in listing
    for suffix in ("", "/edit", "/delete"):
        assert browser.get(f"/agencies/{hx['id']}{suffix}").status_code == 404, suffix
    token = csrf_token_from(browser.get("/agencies/new").text)
    for suffix in ("/edit", "/delete"):
        response = browser.post(f"/agencies/{hx['id']}{suffix}",
                                data={**form(2, HX), "csrf_token": token})
        assert response.status_code == 404
    assert browser.get(f"/agencies?division={HX}").status_code == 422
    assert login_as("HRM_CX", HP).get(f"/agencies/{hx['id']}").status_code == 404
    city = login_as("HRM_GL", CITY).get(f"/agencies?division={HX}").text
    assert hx["name"] in city and hp["name"] not in city


def test_query_by_name_credit_code_type_and_status(login_as, add):
    first, second = add(1, name="津门英才人力资源有限公司"), add(2, agency_type="T03")
    browser = login_as("HRM_GL", CITY)
    assert first["name"] in browser.get("/agencies?name=英才").text
    assert second["name"] not in browser.get("/agencies?name=英才").text
    by_code = browser.get(f"/agencies?credit_code={second['credit_code']}").text
    assert second["name"] in by_code and first["name"] not in by_code
    by_type = browser.get("/agencies?agency_type=T03").text
    assert second["name"] in by_type and first["name"] not in by_type
    assert "没有符合条件的数据" in browser.get("/agencies?status=deregistered").text


def test_add_shows_errors_inline_then_saves(app, login_as):
    browser = login_as("HRM_GL", HP)
    response = post(browser, "/agencies/new", form(1, credit_code="91120101MA05R7XQ0A",
                                                   phone="abc", division=HX))
    assert response.status_code == 422
    assert 'id="err-credit_code"' in response.text and 'id="err-phone"' in response.text
    assert "不在您的管辖范围内" in response.text
    assert 'value="abc"' in response.text  # what was typed stays
    response = post(browser, "/agencies/new", form(1))
    assert response.status_code == 302
    page = browser.get(response.headers["Location"]).text
    assert "录入人力资源服务有限公司1" in page and "已添加" in page and "录入" in page
    duplicate = post(browser, "/agencies/new", form(1, name="又一家"))
    assert duplicate.status_code == 409 and "已登记" in duplicate.text
    assert 'id="err-credit_code"' in duplicate.text


def test_edit_shows_the_change_history_on_the_details_page(app, login_as, add):
    agency = add(1)
    browser = login_as("HRM_GL", HP)
    edit_url = f"/agencies/{agency['id']}/edit"
    assert agency["legal_rep"] in browser.get(edit_url).text
    bad = post(browser, edit_url, form(1, name=""))
    assert bad.status_code == 422 and 'id="err-name"' in bad.text
    response = post(browser, edit_url, form(1, name="新名称人力资源有限公司", agency_type="T03"))
    assert response.status_code == 302
    page = browser.get(response.headers["Location"]).text
    assert "机构信息已修改" in page
    history = page.split("变更记录", 1)[1]
    assert agency["name"] in history and "新名称人力资源有限公司" in history
    assert "民营性质的服务企业" in history and "外资性质的服务企业" in history  # labels, not codes
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "update"))
        assert set(event.data) == {"name", "agency_type"}


def test_delete_asks_to_confirm_and_refuses_with_the_reason(app, login_as, add):
    kept, gone = add(1), add(2)
    with app.app_context():
        db.session.add(Filing(agency_id=kept["id"], filing_number="F-9",
                              filed_on=dt.date(2025, 1, 1)))
        db.session.commit()
    browser = login_as("HRM_GL", HP)
    confirm = browser.get(f"/agencies/{kept['id']}/delete").text
    assert "业务备案 1 条" in confirm and "不能删除" in confirm
    refused = post(browser, f"/agencies/{kept['id']}/delete", {})
    assert refused.status_code == 409 and "业务备案 1 条" in refused.text
    assert "确认删除" in browser.get(f"/agencies/{gone['id']}/delete").text
    response = post(browser, f"/agencies/{gone['id']}/delete", {})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Agency, kept["id"]) is not None
        assert db.session.get(Agency, gone["id"]) is None


def test_forms_without_csrf_token_are_refused(app, login_as, add):
    agency = add(1)
    browser = login_as("HRM_GL", HP)
    assert browser.post("/agencies/new", data=form(5)).status_code == 400
    assert browser.post(f"/agencies/{agency['id']}/edit",
                        data=form(1, name="x")).status_code == 400
    assert browser.post(f"/agencies/{agency['id']}/delete").status_code == 400
    with app.app_context():
        assert db.session.get(Agency, agency["id"]).name == agency["name"]
        assert db.session.query(Agency).count() == 1


def test_script_in_a_name_shows_as_text(app, login_as, add, client, people):
    refused = client.post("/api/v1/agencies", json=body(2, name=EVIL),
                          headers=people.officer("HRM_GL"))
    assert refused.status_code == 422 and refused.json["error"]["fields"] == {"name": "含有非法字符"}
    agency = add(1)
    with app.app_context():  # older data may hold one: every page escapes it
        db.session.get(Agency, agency["id"]).name = EVIL
        db.session.commit()
    browser = login_as("HRM_GL", HP)
    for url in ("/agencies", f"/agencies/{agency['id']}", f"/agencies/{agency['id']}/edit",
                f"/agencies/{agency['id']}/delete"):
        page = browser.get(url).text
        assert "<script>alert(1)</script>" not in page, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, url


def test_demo_data_has_entered_agencies_with_a_change_history(runner, login_as):
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    browser = login_as("HRM_GL", HP)
    listing = browser.get("/agencies?name=津和融智").text
    assert "录入" in listing
    agency_id = re.search(r'href="/agencies/(\d+)">津和融智', listing).group(1)
    history = browser.get(f"/agencies/{agency_id}").text.split("变更记录", 1)[1]
    assert "天津市和平区南京路188号" in history and "从业人员数" in history


def test_details_list_only_the_branches_in_the_officers_jurisdiction(app, login_as, add):
    parent = add(1, HP)
    near, far = add(2, HP, name="和平分部人力资源公司"), add(3, HX, name="河西分部人力资源公司")
    with app.app_context():
        for branch in (near, far):
            db.session.get(Agency, branch["id"]).parent_id = parent["id"]
        db.session.commit()
    district = login_as("HRM_GL", HP).get(f"/agencies/{parent['id']}").text
    assert "和平分部人力资源公司" in district and "河西分部人力资源公司" not in district
    city = login_as("HRM_GL", CITY).get(f"/agencies/{parent['id']}").text
    assert "和平分部人力资源公司" in city and "河西分部人力资源公司" in city


def test_every_page_names_the_agency_district_as_domain_md_does(login_as, add):
    """One label table: 所属行政区划 on 机构管理's list, form, details and the history import."""
    agency = add(1)
    browser = login_as("HRM_GL", HP)
    for url in ("/agencies", "/agencies/new", f"/agencies/{agency['id']}", "/history-import"):
        page = browser.get(url).text
        assert "所属行政区划" in page and "所在区" not in page, url
