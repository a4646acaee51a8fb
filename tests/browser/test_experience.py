"""Issue 15 in real Chromium: decisions confirmed in a dialog that previews the numbers (and the
same without script), the clerk's to-dos, the 注销 case naming its licence."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from flask import Flask

from portal_plugin.core.extensions import db
from sso.devportal import dev_portal_for
from tests.kit import CLERK_CODE, HP, Api, People, add_agency, add_license, agency_body, credit_code

pytestmark = pytest.mark.slow

LICENSE = re.compile(r"（津）人服证字〔\d{4}〕第0101\d{4}号")
DECISION = re.compile(r"津人社许准字〔\d{4}〕0101-\d+号")


def case_api(app: Flask) -> Api:
    """The case API of the live app, with bearer tokens minted by its dev portal."""

    def make(role: str, division: str = HP, **claims: Any) -> dict[str, str]:
        with app.app_context():
            token = dev_portal_for(app).mint({"sub": f"{role}-{division}", "name": "测试",
                                              "division": division, "roles": [role], **claims})
        return {"Authorization": "Bearer " + token}

    return Api(app.test_client(), People(make))


def pending_licence(app: Flask, seed: int) -> dict[str, Any]:
    """A 和平区 licensing case waiting for 审批, of an agency of its own."""
    code = credit_code(900 + seed)
    return case_api(app).bring(
        "licensing", {"agency": agency_body(code, name=f"体验测试人力资源{seed}有限公司"),
                      "license_items": ["L01"]}, "pending_review", clerk=code)


def status_of(app: Flask, case: dict[str, Any]) -> dict[str, Any]:
    api = case_api(app)
    return api.get("licensing", case["id"], api.people.officer("HRM_SH")).json


def sign_in_without_script(browser, base: str, name: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False, base_url=base)
    page = context.new_page()
    page.goto("/")
    page.get_by_role("button", name=f"以{name}登录").click()
    page.wait_for_url(f"{base}/")
    return context, page


def test_approval_dialog_previews_the_numbers_cancel_changes_nothing_confirm_issues_them(
        as_user, live):  # type: ignore[no-untyped-def]
    _, app = live
    case = pending_licence(app, 1)
    reviewer = as_user("刘洋")  # 和平区 审核岗
    reviewer.goto(f"/cases/licensing/{case['id']}")
    # The decision panel follows the application it decides on.
    assert reviewer.locator("section.card >> nth=0").bounding_box()["y"] < \
        reviewer.locator("#dialog-review").bounding_box()["y"]
    reviewer.locator("#dialog-review").get_by_role("button", name="准予许可").click()
    dialog = reviewer.locator("dialog#confirm-approve")
    assert dialog.is_visible()
    text = dialog.inner_text()
    license_no, decision_no = LICENSE.search(text).group(0), DECISION.search(text).group(0)
    assert "最终编号在点击确认时分配" in text
    dialog.get_by_role("button", name="取消").click()
    assert not dialog.is_visible()
    assert status_of(app, case)["status"] == "pending_review"

    reviewer.locator("#dialog-review").get_by_role("button", name="准予许可").click()
    dialog.get_by_role("button", name="确认").click()
    message = reviewer.locator(".flash.success").inner_text()
    assert f"已准予许可，许可证编号{license_no}，决定文号{decision_no}" in message
    after = status_of(app, case)
    assert after["status"] == "approved"
    assert (after["license_number"], after["decision_number"]) == (license_no, decision_no)


def test_refusal_dialog_asks_for_the_reason_by_its_label(as_user, live):  # type: ignore[no-untyped-def]
    _, app = live
    case = pending_licence(app, 2)
    reviewer = as_user("刘洋")
    reviewer.goto(f"/cases/licensing/{case['id']}")
    reviewer.locator("#dialog-review").get_by_role("button", name="不予许可").click()
    dialog = reviewer.locator("dialog#confirm-refuse")
    assert dialog.get_by_label("不予许可原因（必填）").is_visible()
    dialog.get_by_role("button", name="确认").click()  # without a reason: refused, back here
    assert reviewer.url.endswith(f"/cases/licensing/{case['id']}")
    assert "请填写不予许可原因" in reviewer.locator(".flash.error").inner_text()
    reviewer.reload()  # no re-post on refresh
    assert status_of(app, case)["status"] == "pending_review"


def test_the_same_decisions_without_script(browser, live):  # type: ignore[no-untyped-def]
    base, app = live
    case = pending_licence(app, 3)
    context, page = sign_in_without_script(browser, base, "刘洋")
    try:
        page.goto(f"/cases/licensing/{case['id']}")
        page.get_by_role("button", name="准予许可").click()  # a link to the confirmation page
        assert page.url.endswith(f"/cases/licensing/{case['id']}/approve/confirm")
        text = page.locator("main").inner_text()
        license_no, decision_no = LICENSE.search(text).group(0), DECISION.search(text).group(0)
        page.get_by_role("link", name="取消").click()
        assert page.url.endswith(f"/cases/licensing/{case['id']}")
        assert status_of(app, case)["status"] == "pending_review"

        page.get_by_role("button", name="准予许可").click()
        page.get_by_role("button", name="确认").click()
        message = page.locator(".flash.success").inner_text()
        assert f"已准予许可，许可证编号{license_no}，决定文号{decision_no}" in message
        assert status_of(app, case)["status"] == "approved"
        # The page 确认 led to highlights the menu item of the list it returned to.
        assert page.locator("nav.sidebar [aria-current=page]").inner_text() == "行政许可审批"
    finally:
        context.close()


def test_case_page_returns_to_its_list_and_highlights_the_menu_item(as_user, live):  # type: ignore[no-untyped-def]
    _, app = live
    case = pending_licence(app, 4)
    reviewer = as_user("刘洋")
    reviewer.goto(f"/cases/licensing/{case['id']}")
    assert reviewer.locator("nav.sidebar [aria-current=page]").inner_text() == "行政许可审批"
    reviewer.get_by_role("link", name="返回列表").click()
    assert reviewer.url.endswith("/licensing/review")
    header = reviewer.locator("header .who").inner_text()
    assert header.startswith("刘洋 · ") and "人社局" in header and "审核岗" in header


def test_the_clerks_to_dos_come_to_the_landing_page(as_user, live):  # type: ignore[no-untyped-def]
    _, app = live
    with app.app_context():
        agency = add_agency(CLERK_CODE, HP, "津和人力资源服务有限公司")
        add_license(agency, "（津）人服证字〔2024〕第01019001号",
                    valid_until=dt.date.today() + dt.timedelta(days=30))
        db.session.commit()
    api = case_api(app)
    case = api.bring("filing", {"agency": agency_body(CLERK_CODE, name="津和人力资源服务有限公司"),
                                "filing_items": ["F01"]}, "submitted")
    assert api.act("filing", case["id"], "return", api.people.officer("HRM_SL"),
                   reason="请补充经营场所证明").status_code == 200

    clerk = as_user("吴芳")  # lands on the 工作台
    todos = clerk.locator("section.todos")
    returned = todos.get_by_role("row").filter(has_text="请补充经营场所证明")
    assert "退回待修改" in returned.inner_text()
    assert "第01019001号" in todos.get_by_role("row").filter(has_text="许可证即将到期").inner_text()
    assert todos.get_by_role("row").filter(has_text="年度报告待报送").count() == 1
    returned.get_by_role("link", name="修改").click()
    assert clerk.url.endswith(f"/agency/cases/filing/{case['id']}")


def test_a_deregistration_case_shows_the_licence_it_ends(as_user, live):  # type: ignore[no-untyped-def]
    _, app = live
    code = credit_code(951)
    with app.app_context():
        agency = add_agency(code, HP, "注销测试人力资源有限公司")
        licence = add_license(agency, "（津）人服证字〔2023〕第01018888号",
                              valid_until=dt.date(2028, 3, 1))
        db.session.commit()
        licence_id = licence.id
    api = case_api(app)
    case = api.bring("deregistration", {"targets": [{"kind": "license", "id": licence_id}],
                                        "ground": "D01"}, "submitted", clerk=code)
    officer = as_user("陈晨")
    officer.goto(f"/cases/deregistration/{case['id']}")
    application = officer.locator("section.card").filter(has_text="申请信息").inner_text()
    assert "（津）人服证字〔2023〕第01018888号" in application
    assert "2028-03-01" in application and "记录" not in application
