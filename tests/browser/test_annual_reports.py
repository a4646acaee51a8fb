"""年度报告 in headless Chromium: a clerk submits, the officer 查阅 → 通过 and 导出公示信息."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency

pytestmark = pytest.mark.slow

CLERK_CODE = "91120101MA05R7XQ0P"  # the dev portal's 吴芳 (和平区)
NAME = "=1+1津和人力资源服务有限公司"


def test_submitted_report_is_passed_and_exported(as_user, live, tmp_path):  # type: ignore[no-untyped-def]
    _, app = live
    year = dt.date.today().year - 1
    with app.app_context():
        db.session.add(Agency(name=NAME, credit_code=CLERK_CODE, agency_type="T02",
                              division_code="120101", address="天津市和平区南京路100号",
                              legal_rep="张伟", legal_rep_id_no="11010519491231002X"))
        db.session.commit()

    clerk = as_user("吴芳")
    clerk.get_by_role("link", name="年度报告填报").first.click()
    clerk.get_by_role("link", name="填报年度报告").click()
    clerk.fill("input[name='year']", str(year))
    for field, value in (("staff_count", "25"), ("revenue", "1234567.891"),
                         ("served_workers", "5200"), ("served_employers", "310"),
                         ("placements", "1800"), ("job_fairs_held", "6"),
                         ("online_postings", "4200"), ("trainings", "900")):
        clerk.fill(f"input[name='{field}']", value)
    clerk.get_by_role("button", name="提交").click()
    clerk.locator("#err-revenue").wait_for()  # three decimals: refused beside the field
    assert "最多保留两位小数" in clerk.locator("#err-revenue").inner_text()
    clerk.fill("input[name='revenue']", "1234567.89")
    clerk.get_by_role("button", name="提交").click()
    clerk.get_by_text(f"{year}年度报告已提交").wait_for()

    officer = as_user("赵静")  # 市局 业务管理岗
    officer.get_by_role("link", name="年度报告查阅").first.click()
    officer.select_option("form.query select[name='year']", str(year))
    officer.fill("input[name='name']", "津和")
    officer.get_by_role("button", name="查询").click()
    officer.get_by_role("link", name=NAME).click()
    officer.get_by_text("查阅", exact=True).click()
    officer.get_by_role("button", name="通过").click()
    officer.get_by_text(f"{NAME} {year}年度报告已通过").wait_for()
    assert officer.get_by_text("退回重填", exact=True).is_visible()

    officer.get_by_role("link", name="年度报告查阅").first.click()
    officer.select_option("form.export select[name='year']", str(year))
    with officer.expect_download() as info:
        officer.get_by_role("button", name="导出公示信息").click()
    download = info.value
    assert download.suggested_filename.startswith(f"年度报告公示信息_{year}年度_")
    path = tmp_path / "export.xlsx"
    download.save_as(path)
    rows = list(openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True))
    assert rows[0][:2] == ("机构名称", "统一社会信用代码")
    assert rows[1][0] == NAME and rows[1][1] == CLERK_CODE and rows[1][-1] == "已通过"
