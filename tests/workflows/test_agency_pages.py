"""The agency clerk's forms: each of the five applications submitted as an HTML form, errors
shown inline in Chinese, and a returned case edited and resubmitted — then decided by officers
through their pages."""

from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_token_from
from tests.kit import CLERK_CODE, HP, HX, ID_NO, STAFF_FORM, credit_code, materials_form

AGENCY_FORM = {
    "agency.name": "津和人力资源服务有限公司", "agency.credit_code": CLERK_CODE,
    "agency.agency_type": "T02", "agency.division": HP, "agency.address": "天津市和平区南京路100号",
    "agency.legal_rep": "张伟", "agency.legal_rep_id_type": "resident_id",
    "agency.legal_rep_id_no": ID_NO, "agency.contact": "", "agency.phone": "022-12345678",
}


def post_form(browser, url: str, fields: dict, intent: str = "submit"):  # type: ignore[no-untyped-def]
    """The form as the clerk sends it, with the staff list and the required materials."""
    token = csrf_token_from(browser.get(url).text)
    wf = url.rstrip("/").rsplit("/", 1)[1] if "/apply/" in url else None
    procedure = fields.get("procedure") or "ordinary"
    extra = ({**(STAFF_FORM if wf == "licensing" else {}), **materials_form(wf, procedure)}
             if wf and intent == "submit" else {})
    return browser.post(url, data={**extra, **fields, "csrf_token": token, "intent": intent})


def decide(login_as, wf: str, case_id: int, division: str) -> str:  # type: ignore[no-untyped-def]
    """受理 then 准予 through the officers' case page; returns the final page."""
    for role, action in (("HRM_SL", "accept"), ("HRM_SH", "approve")):
        officer = login_as(role, division)
        page = officer.get(f"/cases/{wf}/{case_id}").text
        version = re.search(r'name="version" value="(\d+)"', page).group(1)
        response = officer.post(f"/cases/{wf}/{case_id}/{action}",
                                data={"csrf_token": csrf_token_from(page), "version": version})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return login_as("HRM_CX", division).get(f"/cases/{wf}/{case_id}").text


def case_id_of(response) -> int:  # type: ignore[no-untyped-def]
    text = response.get_data(as_text=True)
    assert response.status_code == 302, re.findall(r"(?:field-error[^>]*>|flash error[^>]*>)([^<]+)", text)
    return int(response.headers["Location"].rsplit("/", 1)[1])


@pytest.fixture
def clerk(login_as):  # type: ignore[no-untyped-def]
    return login_as("HRM_JG", HP)


def test_licence_and_filing_forms_carry_a_case_to_the_registry(clerk, login_as):
    response = post_form(clerk, "/agency/apply/licensing",
                         {**AGENCY_FORM, "license_items[]": ["L01", "L04"]})
    page = decide(login_as, "licensing", case_id_of(response), HP)
    assert re.search(r"（津）人服证字〔\d{4}〕第0101\d{4}号", page)
    response = post_form(clerk, "/agency/apply/filing", {**AGENCY_FORM, "filing_items[]": ["F02"]})
    page = decide(login_as, "filing", case_id_of(response), HP)
    assert re.search(r"津人服备字〔\d{4}〕第0101\d{4}号", page)
    home = clerk.get("/agency/").text
    assert "开展网络招聘服务" in home and "就业和创业指导" in home


def test_form_errors_are_shown_inline_and_nothing_is_saved(clerk):
    fields = {**AGENCY_FORM, "agency.legal_rep_id_no": "110105194912310021", "agency.address": ""}
    response = post_form(clerk, "/agency/apply/licensing", fields)
    assert response.status_code == 422
    assert "居民身份证号码校验位错误" in response.text
    assert "必填" in response.text and "至少选择一项" in response.text
    assert 'value="津和人力资源服务有限公司"' in response.text, "what was typed is kept"
    assert "暂无申请" in clerk.get("/agency/").text


def registered(clerk, login_as) -> None:  # type: ignore[no-untyped-def]
    for wf, items in (("licensing", {"license_items[]": ["L01"]}),
                      ("filing", {"filing_items[]": ["F01"]})):
        decide(login_as, wf, case_id_of(post_form(clerk, f"/agency/apply/{wf}",
                                                  {**AGENCY_FORM, **items})), HP)


def test_change_form_sends_only_what_changed_and_shows_before_and_after(clerk, login_as):
    registered(clerk, login_as)
    response = post_form(clerk, "/agency/apply/change", {
        "changes.name": "津和人力资源集团有限公司", "changes.address": "",
        "changes.legal_rep": "张伟",  # unchanged: not a change
        "changes.license_items_shown": "1", "changes.license_items[]": ["L01", "L03"],
        "changes.filing_items_shown": "1", "changes.filing_items[]": ["F01"],
    })
    case_id = case_id_of(response)
    officer_page = login_as("HRM_SL", HP).get(f"/cases/change/{case_id}").text
    assert "变更前" in officer_page and "变更后" in officer_page
    assert "津和人力资源集团有限公司" in officer_page and "组织开展现场招聘会" in officer_page
    assert "法定代表人（负责人）</th>" not in officer_page.split("变更事项")[1].split("</table>")[0]
    decide(login_as, "change", case_id, HP)
    assert "津和人力资源集团有限公司" in clerk.get("/agency/").text


def test_branch_form_goes_to_the_branchs_district(clerk, login_as):
    registered(clerk, login_as)
    branch = {k.replace("agency.", "branch."): v for k, v in AGENCY_FORM.items()}
    branch.update({"branch.name": "津和河西分公司", "branch.credit_code": credit_code(42, HX),
                   "branch.division": HX})
    case_id = case_id_of(post_form(clerk, "/agency/apply/branch", branch))
    assert login_as("HRM_SL", HP).get(f"/cases/branch/{case_id}").status_code == 404
    page = decide(login_as, "branch", case_id, HX)
    assert re.search(r"（津）人服证字〔\d{4}〕第0103\d{4}号", page)


def test_deregistration_form_lists_the_agencys_records(clerk, login_as):
    registered(clerk, login_as)
    form = clerk.get("/agency/apply/deregistration").text
    targets = re.findall(r'name="targets\[\]" value="([^"]+)"', form)
    assert len(targets) == 2
    case_id = case_id_of(post_form(clerk, "/agency/apply/deregistration",
                                   {"targets[]": targets, "ground": "D01"}))
    page = decide(login_as, "deregistration", case_id, HP)
    assert re.search(r"津人社许注字〔\d{4}〕\d{4}-\d+号", page)
    assert "已注销" in clerk.get("/agency/").text


def test_returned_case_is_edited_and_resubmitted_in_the_form(clerk, login_as):
    case_id = case_id_of(post_form(clerk, "/agency/apply/filing",
                                   {**AGENCY_FORM, "filing_items[]": ["F01"]}))
    officer = login_as("HRM_SL", HP)
    page = officer.get(f"/cases/filing/{case_id}").text
    officer.post(f"/cases/filing/{case_id}/return", data={
        "csrf_token": csrf_token_from(page), "reason": "请补充场所证明",
        "version": re.search(r'name="version" value="(\d+)"', page).group(1)})
    own = clerk.get(f"/agency/cases/filing/{case_id}").text
    assert "退回原因" in own and "请补充场所证明" in own
    version = re.search(r'name="version" value="(\d+)"', own).group(1)
    response = clerk.post(f"/agency/cases/filing/{case_id}", data={
        **AGENCY_FORM, "agency.address": "天津市和平区新址8号", "filing_items[]": ["F01"],
        "csrf_token": csrf_token_from(own), "version": version, "intent": "submit"})
    assert response.status_code == 302
    own = clerk.get(f"/agency/cases/filing/{case_id}").text
    assert "待受理" in own and "天津市和平区新址8号" in own


def form_version(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)


def test_decided_case_cannot_be_edited_from_the_form(clerk, login_as):
    case_id = case_id_of(post_form(clerk, "/agency/apply/filing",
                                   {**AGENCY_FORM, "filing_items[]": ["F01"]}, intent="save"))
    # A tab holds the draft's form; the clerk submits from another and the bureau decides.
    tab = clerk.get(f"/agency/cases/filing/{case_id}").text
    opened = form_version(tab)
    clerk.post(f"/agency/cases/filing/{case_id}", data={
        **AGENCY_FORM, "filing_items[]": ["F01"], "csrf_token": csrf_token_from(tab),
        "intent": "submit", "version": opened, **materials_form("filing")})
    decide(login_as, "filing", case_id, HP)
    own = clerk.get(f"/agency/cases/filing/{case_id}").text
    assert "不能再修改" in own and 'name="intent"' not in own
    response = clerk.post(f"/agency/cases/filing/{case_id}", data={
        **AGENCY_FORM, "filing_items[]": ["F02"], "csrf_token": csrf_token_from(own),
        "intent": "save", "version": opened})
    assert response.status_code == 302
    assert "不能修改" in clerk.get(f"/agency/cases/filing/{case_id}").text


def test_an_edit_form_without_its_version_is_refused_and_changes_nothing(clerk):
    case_id = case_id_of(post_form(clerk, "/agency/apply/filing",
                                   {**AGENCY_FORM, "filing_items[]": ["F01"]}, intent="save"))
    page = clerk.get(f"/agency/cases/filing/{case_id}").text
    for version in (None, "", "abc", "1" * 40):
        data = {**AGENCY_FORM, "filing_items[]": ["F02"], "csrf_token": csrf_token_from(page),
                "intent": "submit"}
        if version is not None:
            data["version"] = version
        response = clerk.post(f"/agency/cases/filing/{case_id}", data=data)
        assert response.status_code == 302
        after = clerk.get(f"/agency/cases/filing/{case_id}").text
        assert "页面已过期，请刷新后重试" in after
        assert form_version(after) == form_version(page)  # not saved, not submitted
