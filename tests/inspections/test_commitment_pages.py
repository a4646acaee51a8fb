"""告知承诺制 through the pages: the clerk's choice, 【当场准予许可】, the exclusion list, 事后核查."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from portal_plugin.core.clock import today
from portal_plugin.core.extensions import db
from portal_plugin.core.models import License
from tests.conftest import csrf_token_from
from tests.kit import CLERK_CODE, HP, HX
from tests.workflows.test_agency_pages import AGENCY_FORM, case_id_of, post_form
from workflows.commitment import Exclusion, Inspection

COMMITMENT_FORM = {**AGENCY_FORM, "license_items[]": ["L01"], "procedure": "commitment",
                   "commitment_accepted": "true"}


def press(browser, page_url: str, action_url: str, **fields: str):
    page = browser.get(page_url).text
    version = re.search(r'name="version" value="(\d+)"', page)
    data = {"csrf_token": csrf_token_from(page), **fields}
    if version:
        data.setdefault("version", version.group(1))
    return browser.post(action_url, data=data)


def test_form_offers_the_procedures_and_the_notice(login_as):
    page = login_as("HRM_JG", HP).get("/agency/apply/licensing").text
    assert "一般程序" in page and "告知承诺制" in page
    assert "《人力资源服务机构管理规定》第七条" in page and "撤销该行政许可" in page
    assert 'name="commitment_accepted"' in page and "本机构已阅读并承诺" in page


def test_unchecked_promise_is_refused_on_the_form(login_as):
    clerk = login_as("HRM_JG", HP)
    response = post_form(clerk, "/agency/apply/licensing",
                         {**COMMITMENT_FORM, "commitment_accepted": ""})
    assert response.status_code == 422
    assert "选择告知承诺制须阅读告知书并勾选承诺" in response.text


def test_on_the_spot_grant_through_the_pages(app, login_as):
    clerk = login_as("HRM_JG", HP)
    case_id = case_id_of(post_form(clerk, "/agency/apply/licensing", COMMITMENT_FORM))
    officer = login_as("HRM_SL", HP)
    page = officer.get(f"/cases/licensing/{case_id}").text
    assert "当场准予许可" in page and "告知承诺制" in page and "本机构已阅读并承诺" in page
    assert "签署告知承诺书" in page  # the 流转记录
    response = press(officer, f"/cases/licensing/{case_id}",
                     f"/cases/licensing/{case_id}/grant")
    assert response.status_code == 302, response.text[:500]
    done = officer.get(f"/cases/licensing/{case_id}").text
    assert re.search(r"（津）人服证字〔\d{4}〕第0101\d{4}号", done)
    assert "当场准予许可" in done and "登记发证" in done
    assert "事后核查期限" in done and (today() + dt.timedelta(days=30)).isoformat() in done
    with app.app_context():
        inspection = db.session.scalar(select(Inspection))
        assert inspection.due == today() + dt.timedelta(days=30)
    listing = login_as("HRM_GL", HP).get("/inspections").text
    assert "剩余30天" in listing and "待核查" in listing
    workbench = login_as("HRM_GL", HP).get("/").text
    assert 'href="/inspections?status=open">待办 <strong>1</strong>' in workbench


def test_ordinary_case_has_no_grant_button_and_the_page_refuses_it(login_as):
    clerk = login_as("HRM_JG", HP)
    case_id = case_id_of(post_form(clerk, "/agency/apply/licensing",
                                   {**AGENCY_FORM, "license_items[]": ["L01"]}))
    officer = login_as("HRM_SL", HP)
    page = officer.get(f"/cases/licensing/{case_id}").text
    assert "当场准予许可" not in page and "受理" in page
    response = press(officer, f"/cases/licensing/{case_id}", f"/cases/licensing/{case_id}/grant")
    assert response.status_code == 303  # refused: back to the case page, which says why
    back = officer.get(response.headers["Location"]).text
    assert "只有选择告知承诺制的行政许可申请可以当场准予许可" in back


def test_exclusion_list_pages_block_the_choice(app, login_as):
    manager = login_as("HRM_GL", HP)
    form = manager.get("/inspections/exclusions/new").text
    response = manager.post("/inspections/exclusions/new", data={
        "csrf_token": csrf_token_from(form), "credit_code": CLERK_CODE,
        "agency_name": "<b>津和</b>人力资源服务有限公司", "reason": "false_promise",
        "reason_text": "", "starts_on": "", "ends_on": ""})
    assert response.status_code == 302, response.text[:500]
    listing = manager.get("/inspections/exclusions").text
    assert "&lt;b&gt;津和&lt;/b&gt;" in listing and "<b>津和</b>" not in listing
    assert "虚假承诺" in listing and "移除" in listing
    clerk = login_as("HRM_JG", HP)
    page = clerk.get("/agency/apply/licensing").text
    assert "被列入告知承诺黑名单" in page and "disabled" in page
    refused = post_form(clerk, "/agency/apply/licensing", COMMITMENT_FORM)
    assert refused.status_code == 422 and "告知承诺黑名单" in refused.text
    # Without a CSRF token nothing is added.
    assert manager.post("/inspections/exclusions/new", data={
        "credit_code": CLERK_CODE, "reason": "other"}).status_code == 400
    with app.app_context():
        entry_id = db.session.scalar(select(Exclusion.id))
    ended = press(manager, "/inspections/exclusions",
                  f"/inspections/exclusions/{entry_id}/end")
    assert ended.status_code == 302
    assert "已截止" in manager.get("/inspections/exclusions").text
    assert "被列入告知承诺黑名单" not in clerk.get("/agency/apply/licensing").text
    # Another district's officer finds neither the entry nor a way to end it.
    assert press(login_as("HRM_GL", HX), "/inspections/exclusions",
                 f"/inspections/exclusions/{entry_id}/end").status_code == 404


def test_exclusion_form_errors_are_shown(login_as):
    manager = login_as("HRM_GL", HP)
    form = manager.get("/inspections/exclusions/new").text
    response = manager.post("/inspections/exclusions/new", data={
        "csrf_token": csrf_token_from(form), "credit_code": "bad", "reason": ""})
    assert response.status_code == 422 and "请选择列入原因" in response.text


def granted_case(login_as) -> int:
    clerk = login_as("HRM_JG", HP)
    case_id = case_id_of(post_form(clerk, "/agency/apply/licensing", COMMITMENT_FORM))
    officer = login_as("HRM_SL", HP)
    assert press(officer, f"/cases/licensing/{case_id}",
                 f"/cases/licensing/{case_id}/grant").status_code == 302
    return case_id


def test_outcome_form_rectify_then_revoke(app, login_as):
    case_id = granted_case(login_as)
    with app.app_context():
        ident = db.session.scalar(select(Inspection.id))
    manager = login_as("HRM_GL", HP)
    url = f"/inspections/{ident}"
    missing = press(manager, url, f"{url}/outcome", outcome="rectify", due="", remarks="")
    assert missing.status_code == 422 and "限期整改须填写整改期限" in missing.text
    due = (today() + dt.timedelta(days=10)).isoformat()
    assert press(manager, url, f"{url}/outcome", outcome="rectify", due=due,
                 remarks="").status_code == 302
    page = manager.get(url).text
    assert "限期整改" in page and due in page and "剩余10天" in page
    revoked = press(manager, url, f"{url}/outcome", outcome="revoke", due="",
                    remarks="承诺不实")
    assert revoked.status_code == 302
    page = manager.get(url).text
    assert "撤销许可" in page and "已撤销" in page and "津人社许注字" in page
    with app.app_context():
        assert db.session.scalar(select(License.status)) == "revoked"
        assert db.session.scalar(select(Exclusion.reason)) == "false_promise"
    timeline = login_as("HRM_SL", HP).get(f"/cases/licensing/{case_id}").text
    assert "事后核查" in timeline and "列入告知承诺黑名单" in timeline
    assert login_as("HRM_GL", HX).get(url).status_code == 404
    assert "告知承诺核查" in manager.get("/").text
