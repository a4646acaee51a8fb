"""告知承诺制 in real headless Chromium: the clerk chooses 告知承诺 and accepts the 承诺书, the
受理岗 clicks 【当场准予许可】, the 业务管理岗 records 核查合格."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_journeys import attach_materials, fill_licence_application, open_row_dialog

pytestmark = pytest.mark.slow

AGENCY = "津和人力资源服务有限公司"


def test_commitment_from_the_choice_to_the_follow_up_check(as_user):
    clerk = as_user("吴芳")
    clerk.get_by_role("link", name="申请行政许可").first.click()
    fill_licence_application(clerk)
    promise = clerk.get_by_label(re.compile("本机构已阅读并承诺"))
    assert not promise.is_visible()  # the 告知书 shows only once 告知承诺制 is chosen
    clerk.get_by_label("告知承诺制").check()
    assert clerk.get_by_text("《人力资源服务机构管理规定》第七条", exact=False).is_visible()
    promise.check()
    attach_materials(clerk, "licensing", "commitment")
    clerk.get_by_role("button", name="提交").click()
    assert clerk.get_by_text("行政许可申请已提交").is_visible()
    case_no = re.search(r"XK120101\d{12}", clerk.content()).group(0)

    officer = as_user("陈晨")  # 和平区 受理岗
    open_row_dialog(officer, "行政许可受理", AGENCY, "受理")
    assert officer.get_by_text("本机构已阅读并承诺", exact=False).first.is_visible()
    officer.locator("#dialog-accept").get_by_role("button", name="当场准予许可").click()
    officer.locator("#confirm-grant").get_by_role("button", name="确认").click()
    assert officer.get_by_text(f"{case_no} 已当场准予许可").is_visible()

    manager = as_user("赵静")  # 市局 业务管理岗
    manager.get_by_role("link", name="告知承诺核查", exact=True).first.click()
    row = manager.get_by_role("row").filter(has_text=AGENCY).first
    assert "剩余30天" in row.inner_text() and "待核查" in row.inner_text()
    row.get_by_role("link", name="核查", exact=True).click()
    manager.get_by_label("核查合格").check()
    manager.get_by_role("button", name="保存").click()
    assert manager.get_by_text("事后核查：核查合格").is_visible()
    row = manager.get_by_role("row").filter(has_text=AGENCY).first
    assert "已办结" in row.inner_text() and "核查合格" in row.inner_text()
