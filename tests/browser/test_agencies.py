"""机构管理 in headless Chromium: a 业务管理岗 adds an agency (fixing an inline error), edits it,
and reads the change on its details page."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

CODE = "91120101MA0RB8XK3A"


def test_add_edit_and_read_the_change_history(as_user):  # type: ignore[no-untyped-def]
    officer = as_user("赵静")  # the city's 业务管理岗
    officer.get_by_role("link", name="机构管理").first.click()
    officer.get_by_role("link", name="添加人力资源服务机构").click()
    officer.fill("input[name='name']", "津城浏览器测试人力资源有限公司")
    officer.fill("input[name='credit_code']", CODE[:-1] + "B")  # a wrong check digit
    officer.select_option("select[name='agency_type']", label="民营性质的服务企业")
    officer.select_option("select[name='division']", label="和平区")
    officer.fill("input[name='address']", "天津市和平区南京路8号")
    officer.fill("input[name='founded_on']", "2018-05-20")
    officer.fill("input[name='registered_capital']", "500")
    officer.fill("input[name='legal_rep']", "周明")
    officer.select_option("select[name='legal_rep_id_type']", value="resident_id")
    officer.fill("input[name='legal_rep_id_no']", "11010519491231002X")
    officer.fill("input[name='phone']", "022-27654321")
    officer.get_by_role("button", name="保存").click()
    officer.locator("#err-credit_code").wait_for()  # shown inline, the rest kept
    assert officer.input_value("input[name='address']") == "天津市和平区南京路8号"
    officer.fill("input[name='credit_code']", CODE)
    officer.get_by_role("button", name="保存").click()
    officer.get_by_text("机构“津城浏览器测试人力资源有限公司”已添加").wait_for()

    officer.get_by_role("link", name="编辑").click()
    officer.fill("input[name='address']", "天津市和平区南京路88号")
    officer.fill("input[name='staff_count']", "35")
    officer.get_by_role("button", name="保存").click()
    officer.get_by_text("机构信息已修改").wait_for()
    history = officer.locator("table.compare").inner_text()
    assert "天津市和平区南京路8号" in history and "天津市和平区南京路88号" in history
    assert "从业人员数" in history and "35" in history and "赵静" in history

    officer.get_by_role("link", name="机构管理").first.click()
    officer.fill("input[name='credit_code']", CODE)
    officer.get_by_role("button", name="查询").click()
    officer.get_by_role("link", name="津城浏览器测试人力资源有限公司").wait_for()
