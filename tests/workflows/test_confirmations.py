"""Issue 15 without a browser: the confirmation page previews the numbers without taking them,
the result message names them, a foreign district finds no confirmation, the 工作台 counts and a
clerk is told before the form that the agency cannot apply."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal_plugin.core.extensions import db
from tests.conftest import csrf_token_from
from tests.kit import HP, HX, agency_body, credit_code
from workflows.models import Counter

LICENSE = re.compile(r"（津）人服证字〔\d{4}〕第0101\d{4}号")
DECISION = re.compile(r"津人社许准字〔\d{4}〕0101-\d+号")


def pending(api, seed: int):  # type: ignore[no-untyped-def]
    code = credit_code(700 + seed)
    return api.bring("licensing", {"agency": agency_body(code), "license_items": ["L01"]},
                     "pending_review", clerk=code)


def counters(app) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return dict(db.session.execute(select(Counter.series, Counter.value)).all())


def test_the_confirmation_previews_the_numbers_that_confirm_then_issues(app, api, login_as):
    case = pending(api, 1)
    reviewer = login_as("HRM_SH", HP)
    before = counters(app)
    page = reviewer.get(f"/cases/licensing/{case['id']}/approve/confirm").text
    assert counters(app) == before  # the preview takes no number
    license_no, decision_no = LICENSE.search(page).group(0), DECISION.search(page).group(0)
    assert "确认" in page and "取消" in page and "最终编号在点击确认时分配" in page
    # The case page carries the same preview in its dialog.
    assert license_no in reviewer.get(f"/cases/licensing/{case['id']}").text
    done = reviewer.post(f"/cases/licensing/{case['id']}/approve", data={
        "csrf_token": csrf_token_from(page), "version": case["version"]})
    assert done.status_code == 302
    shown = reviewer.get(done.headers["Location"]).text
    assert f"已准予许可，许可证编号{license_no}，决定文号{decision_no}" in shown


def test_a_foreign_district_finds_no_confirmation(api, login_as):
    case = pending(api, 2)
    assert login_as("HRM_SH", HX).get(
        f"/cases/licensing/{case['id']}/approve/confirm").status_code == 404


def test_the_reason_boxes_are_labelled_by_their_buttons(api, login_as):
    case = pending(api, 3)
    page = login_as("HRM_SH", HP).get(f"/cases/licensing/{case['id']}").text
    assert "不予许可原因（必填）" in page and "意见 / 原因" not in page
    # The decision panel comes after the application it decides on.
    assert page.index("申请信息") < page.index('id="dialog-review"')


def test_the_workbench_counts_what_waits_for_the_manager(login_as):
    page = login_as("HRM_GL", HP).get("/").text
    for label in ("待查阅的年度报告", "待确认导入的批次", "90日内到期的许可证", "辖区内超期办件"):
        assert label in page


def test_a_clerk_is_told_before_the_form_that_the_agency_cannot_apply(login_as, registered):
    registered()
    page = login_as("HRM_JG", HP).get("/agency/apply/licensing").text
    assert "本机构目前不能提交此申请" in page and "已持有有效的人力资源服务许可证" in page
    fresh = login_as("HRM_JG", HP, org_credit_code=credit_code(799)).get(
        "/agency/apply/licensing").text
    assert "本机构目前不能提交此申请" not in fresh


def test_a_branch_confirmation_previews_the_records_the_parent_holds(api, bodies, registered,
                                                                      login_as):
    registered()
    case = api.bring("branch", bodies("branch"), "pending_review", division=HX)
    page = login_as("HRM_SH", HX).get(f"/cases/branch/{case['id']}/approve/confirm").text
    assert re.search(r"许可证编号</th><td[^>]*>（津）人服证字〔\d{4}〕第0103\d{4}号", page)
    assert re.search(r"备案编号</th><td[^>]*>津人服备字〔\d{4}〕第0103\d{4}号", page)
