"""Issue 15 in real Chromium: decisions confirmed in a dialog that previews the numbers (and the
same without script), the clerk's to-dos, the 注销 case naming its licence."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from sso.devportal import dev_portal_for
from tests.kit import HP, Api, People, agency_body, credit_code

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
