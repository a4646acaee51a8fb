"""导出公示信息: the .xlsx holds the passed reports of the officer's jurisdiction, safely."""

from __future__ import annotations

import io
from urllib.parse import quote

import openpyxl
from sqlalchemy import select

from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency, AuditEvent
from tests.kit import CITY, CLERK_CODE, HP, HX, OTHER_CODE, YEAR

EXPORT = "/api/v1/annual-reports/export"
HEADERS = ["机构名称", "统一社会信用代码", "许可证编号", "备案编号", "法定代表人", "住所", "报告年度",
           "报送日期", "状态"]
PRIVATE = ("营业收入", "从业人员", "电话", "证件", "身份证", "联系人", "投诉")


def sheet(response):
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    wb = openpyxl.load_workbook(io.BytesIO(response.data))
    return wb.worksheets[0]


def test_export_holds_the_passed_reports_of_the_jurisdiction_as_text(app, client, officer,
                                                                     report):
    with app.app_context():
        db.session.query(Agency).filter_by(credit_code=CLERK_CODE).update({"name": "=1+1"})
        db.session.commit()
    report("passed")
    report("submitted", year=YEAR - 1)
    report("passed", code=OTHER_CODE, division=HX)
    response = client.get(f"{EXPORT}?year={YEAR}", headers=officer(HP))
    disposition = response.headers["Content-Disposition"]
    assert "filename*=UTF-8''" + quote("年度报告公示信息_", safe="") in disposition
    assert quote(f"{YEAR}年度", safe="") in disposition
    ws = sheet(response)
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert not any(word in header for header in rows[0] for word in PRIVATE)
    assert len(rows) == 2  # the 河西区 report is another district's; the other one not passed
    name_cell = ws["A2"]
    assert name_cell.value == "=1+1" and name_cell.data_type == "s"
    assert list(rows[1][1:]) == [CLERK_CODE, "津人服证字〔2024〕0101号", None, "张伟",
                                 "天津市测试路1号", YEAR, rows[1][7], "已通过"]
    assert ws["B2"].data_type == "s" and ws.column_dimensions["B"].number_format == "@"
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:I1"
    city = list(sheet(client.get(f"{EXPORT}?year={YEAR}", headers=officer(CITY)))
                .iter_rows(values_only=True))
    assert {row[1] for row in city[1:]} == {CLERK_CODE, OTHER_CODE}
    with app.app_context():
        exports = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "export", AuditEvent.object_type == "annual_report")).all()
    assert len(exports) == 2 and exports[0].data["year"] == YEAR


def test_other_district_officer_exports_nothing_of_ours(client, officer, report):
    report("passed")
    rows = list(sheet(client.get(f"{EXPORT}?year={YEAR}", headers=officer("120104")))
                .iter_rows(values_only=True))
    assert rows == [tuple(HEADERS)]


def test_a_year_without_passed_reports_is_an_empty_sheet_with_headers(client, officer):
    rows = list(sheet(client.get(f"{EXPORT}?year=2001", headers=officer()))
                .iter_rows(values_only=True))
    assert rows == [tuple(HEADERS)]


def test_bad_year_is_422(client, officer):
    for query in ("", "?year=abc", "?year=1999", "?year=2999"):
        response = client.get(f"{EXPORT}{query}", headers=officer())
        assert response.status_code == 422 and "year" in response.json["error"]["fields"]


def test_export_page_button_downloads_for_the_officer(login_as, report):
    report("passed")
    browser = login_as("HRM_GL", HP)
    assert "导出公示信息" in browser.get("/annual-reports").text
    response = browser.get(f"/annual-reports/export?year={YEAR}")
    assert len(list(sheet(response).iter_rows())) == 2
    assert login_as("HRM_SL", HP).get(f"/annual-reports/export?year={YEAR}").status_code == 403
