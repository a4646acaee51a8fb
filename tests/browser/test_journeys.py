"""The main journeys in real headless Chromium (Debian's chromium, driven by Playwright),
clicking the manual's labels: submit, 受理, 审批 → 准予许可, 退回 → edit → resubmit."""

from __future__ import annotations

import re

import pytest

from tests.kit import required_materials

pytestmark = pytest.mark.slow

CLERK_CODE = "91120101MA05R7XQ0P"  # the dev portal's 吴芳


# A scanned material as the clerk's computer holds it (the form tells it by its bytes).
PDF = {"name": "材料.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}
STAFF = (("赵敏", "11010519491231002X", "招聘专员"), ("钱进", "11010519491231002X", "职业指导师"),
         ("孙丽", "11010519491231002X", "人事专员"))


def attach_materials(page, wf: str, procedure: str = "ordinary") -> None:  # type: ignore[no-untyped-def]
    """Choose a file for every material the procedure requires."""
    for kind in required_materials(wf, procedure):
        page.set_input_files(f"input[name='materials.{kind}']", PDF)


def fill_staff(page) -> None:  # type: ignore[no-untyped-def]
    for i, (name, id_no, position) in enumerate(STAFF):
        page.fill(f"input[name='staff.{i}.name']", name)
        page.fill(f"input[name='staff.{i}.id_no']", id_no)
        page.fill(f"input[name='staff.{i}.position']", position)
        page.check(f"input[name='staff.{i}.full_time']")


def fill_licence_application(page) -> None:  # type: ignore[no-untyped-def]
    page.fill("input[name='agency.name']", "津和人力资源服务有限公司")
    page.select_option("select[name='agency.agency_type']", label="民营性质的服务企业")
    page.select_option("select[name='agency.division']", label="和平区")
    page.fill("input[name='agency.address']", "天津市和平区南京路100号")
    page.fill("input[name='agency.legal_rep']", "张伟")
    page.fill("input[name='agency.legal_rep_id_no']", "11010519491231002X")
    page.get_by_label("为用人单位推荐劳动者").check()
    page.get_by_label("为劳动者介绍用人单位").check()
    fill_staff(page)
    attach_materials(page, "licensing")


def open_row_dialog(page, menu: str, agency: str, button: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("link", name=menu, exact=True).first.click()
    page.get_by_role("button", name="查询").click()
    row = page.get_by_role("row").filter(has_text=agency).first
    row.get_by_role("link", name=button, exact=True).click()


def test_licence_from_submission_to_approval_in_the_browser(as_user):
    clerk = as_user("吴芳")
    clerk.get_by_role("link", name="申请行政许可").first.click()
    clerk.get_by_role("button", name="提交").click()
    assert clerk.get_by_text("提交的内容有误，请按提示修改").is_visible()
    assert clerk.locator(".field-error").count() >= 4  # inline Chinese messages
    fill_licence_application(clerk)
    clerk.get_by_role("button", name="提交").click()
    assert clerk.get_by_text("行政许可申请已提交").is_visible()
    case_no = re.search(r"XK120101\d{12}", clerk.content()).group(0)

    officer = as_user("陈晨")  # 和平区 受理岗
    open_row_dialog(officer, "行政许可受理", "津和人力资源服务有限公司", "受理")
    officer.locator("#dialog-accept").get_by_role("button", name="受理", exact=True).click()
    officer.locator("#confirm-accept").get_by_role("button", name="确认").click()
    assert officer.get_by_text(f"{case_no} 已受理").is_visible()

    reviewer = as_user("刘洋")  # 和平区 审核岗
    open_row_dialog(reviewer, "行政许可审批", "津和人力资源服务有限公司", "审批")
    reviewer.get_by_role("button", name="准予许可").click()
    reviewer.locator("#confirm-approve").get_by_role("button", name="确认").click()
    reviewer.get_by_role("link", name="行政许可查看").first.click()
    reviewer.get_by_role("link", name="津和人力资源服务有限公司").first.click()
    content = reviewer.content()
    assert re.search(r"（津）人服证字〔\d{4}〕第0101\d{4}号", content)
    assert re.search(r"津人社许准字〔\d{4}〕\d{4}-\d+号", content)
    assert "流转记录" in content

    clerk.goto("/agency/")
    assert re.search(r"（津）人服证字〔\d{4}〕第0101\d{4}号", clerk.content())


def test_return_edit_and_resubmit_round_trip(as_user):
    clerk = as_user("吴芳")
    clerk.get_by_role("link", name="申请业务备案").first.click()
    # The agency holds a licence: its registered facts come prefilled and change only through
    # 事项变更; the contact details may be updated with any application.
    clerk.fill("input[name='agency.phone']", "022-23000001")
    for field, value in (("agency.name", "津和人力资源服务有限公司"), ("agency.legal_rep", "张伟"),
                         ("agency.address", "天津市和平区南京路100号"),
                         ("agency.legal_rep_id_no", "11010519491231002X")):
        if not clerk.input_value(f"input[name='{field}']"):
            clerk.fill(f"input[name='{field}']", value)
    clerk.select_option("select[name='agency.agency_type']", label="民营性质的服务企业")
    clerk.select_option("select[name='agency.division']", label="和平区")
    clerk.get_by_label("人力资源管理咨询").check()
    attach_materials(clerk, "filing")
    clerk.get_by_role("button", name="提交").click()
    assert clerk.get_by_text("业务备案申请已提交").is_visible()

    officer = as_user("陈晨")
    open_row_dialog(officer, "业务备案受理", "津和人力资源服务有限公司", "受理")
    officer.locator("#dialog-accept").get_by_role("button", name="退回").click()
    officer.fill("#reason-return", "请补充经营场所证明")
    officer.locator("#confirm-return").get_by_role("button", name="确认").click()
    assert officer.get_by_text("已退回").first.is_visible()

    clerk.goto("/agency/")
    row = clerk.get_by_role("row").filter(has_text="请补充经营场所证明")
    assert row.get_by_text("退回").is_visible()
    row.get_by_role("link", name="修改").click()
    assert clerk.get_by_text("请补充经营场所证明").first.is_visible()
    clerk.fill("input[name='agency.phone']", "022-23000008")
    clerk.get_by_role("button", name="提交").click()
    assert clerk.get_by_text("已重新提交").is_visible()
    assert clerk.locator(".summary .status").inner_text() == "待受理"


def test_rejection_needs_a_reason_in_the_dialog(as_user, live):
    officer = as_user("陈晨")
    officer.goto("/filing/accept?status=submitted")
    rows = officer.get_by_role("row").filter(has=officer.get_by_role("link", name="受理", exact=True))
    if rows.count() == 0:
        pytest.skip("no submitted filing left by the earlier journeys")
    rows.first.get_by_role("link", name="受理", exact=True).click()
    officer.locator("#dialog-accept").get_by_role("button", name="不通过").click()
    officer.locator("#confirm-reject").get_by_role("button", name="确认").click()
    assert officer.get_by_text("请填写不通过原因").is_visible()


def test_review_officer_never_sees_an_accept_button(as_user):
    reviewer = as_user("刘洋")
    links = reviewer.locator("nav.sidebar a")
    urls = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert urls
    for url in urls:
        reviewer.goto(url)
        assert reviewer.get_by_role("button", name="受理", exact=True).count() == 0, url
        assert reviewer.get_by_role("link", name="受理", exact=True).count() == 0, url
        assert "行政许可受理" not in reviewer.locator("nav.sidebar").inner_text()


def test_pages_render_inside_a_portal_frame_without_javascript(browser, live):
    base, _ = live
    context = browser.new_context(java_script_enabled=False, base_url=base)
    page = context.new_page()
    page.goto("/")
    page.get_by_role("button", name="以陈晨登录").click()
    page.get_by_role("link", name="行政许可受理", exact=True).first.click()
    assert page.get_by_role("button", name="查询").is_visible()
    external = [r for r in page.locator("link[href], script[src], img[src]").all()
                if re.match(r"(https?:)?//", r.get_attribute("href") or r.get_attribute("src") or "")]
    assert external == []
    context.close()
