"""历史数据采集 in headless Chromium: 【导入历史数据】【下载模版】【上传文件】【下一步】【确认导入】."""

from __future__ import annotations

import pytest

from tests.history.conftest import fill, row

pytestmark = pytest.mark.slow


def upload_file(page, path) -> None:  # type: ignore[no-untyped-def]
    page.set_input_files("input[name='file']", str(path))
    page.get_by_role("button", name="上传文件").click()
    page.get_by_role("link", name="下一步").wait_for()


def test_history_import_in_four_steps(as_user, tmp_path):
    page = as_user("赵静")  # 市局 业务管理岗
    page.get_by_role("link", name="历史数据采集", exact=True).first.click()
    page.get_by_role("button", name="查询").click()
    page.get_by_role("link", name="导入历史数据").click()
    assert page.locator(".steps [aria-current='step']").inner_text().strip().endswith("上传文件")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载模版").click()
    assert download.value.suggested_filename.startswith("历史数据导入模版_")
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)

    # A file with one mistake: the check shows it, with the error report, and no 确认导入.
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(fill(template.read_bytes(), [row(601), row(602, legal_rep_id_no="12345")]))
    upload_file(page, bad)
    page.get_by_role("link", name="下一步").click()
    page.wait_for_url("**/history-import/batches/*")
    assert page.locator(".steps [aria-current='step']").inner_text().strip().endswith("数据校验")
    problems = page.locator("table.problems").first
    assert "证件号码" in problems.inner_text() and "3" in problems.inner_text()
    assert page.get_by_role("button", name="确认导入").count() == 0
    with page.expect_download() as report:
        page.get_by_role("link", name="下载错误报告").click()
    assert report.value.suggested_filename.startswith("历史数据校验结果_批次")

    # Fixed: upload again, next, confirm.
    page.get_by_role("link", name="重新上传").click()
    good = tmp_path / "good.xlsx"
    good.write_bytes(fill(template.read_bytes(), [row(601), row(602)]))
    upload_file(page, good)
    page.get_by_text("共 2 行数据").wait_for()
    page.get_by_role("link", name="下一步").click()
    page.wait_for_url("**/history-import/batches/*")
    page.get_by_text(row(602)["name"]).first.wait_for()
    page.get_by_role("button", name="确认导入").click()
    dialog = page.locator("dialog#confirm-generic")  # the confirmation names what will happen
    assert "条记录将写入登记库" in dialog.inner_text()
    dialog.get_by_role("button", name="确认").click()
    page.get_by_text("导入完成：新增机构2个、许可证2个、业务备案2个").wait_for()
    assert page.locator(".steps [aria-current='step']").inner_text().strip().endswith("确认导入")

    page.get_by_role("link", name="历史数据采集", exact=True).first.click()
    page.fill("input[name='name']", row(602)["name"])
    page.get_by_role("button", name="查询").click()
    page.wait_for_url("**/history-import?name=*")
    found = page.get_by_role("row").filter(has_text=row(602)["credit_code"])
    found.first.wait_for()
    assert found.count() == 1 and page.get_by_role("row").count() == 2  # the header and it
