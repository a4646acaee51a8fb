"""One error of every kind: each reported at its row and column, nothing imported, and the
error workbook marks exactly those cells (red with a comment; warnings yellow)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from sqlalchemy import select

from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency
from portal_plugin.history.spec import COLUMNS, DATA_SHEET, ERRORS_SHEET, RESULT_HEADER
from tests.history.conftest import fill, row
from tests.kit import CITY

HEADERS = {c.key: c.header for c in COLUMNS}
NO_LICENSE = {"license_number": None, "license_issued_on": None, "license_valid_until": None,
              "license_items": None, "license_status": None}
NO_FILING = {"filing_number": None, "filed_on": None, "filing_items": None, "filing_status": None}


@pytest.fixture
def existing(client, template, upload, gl) -> dict:
    """One agency already in the registry (imported before), to collide with."""
    first = row(900)
    batch = upload(fill(template, [first])).json
    assert client.post(f"/api/v1/history-imports/{batch['id']}/commit",
                       headers=gl(CITY)).status_code == 200
    return first


def bad_rows(existing: dict) -> tuple[list[dict], dict, dict]:
    """Rows 2… of the file, the errors expected {(row, key): message part}, and the warnings."""
    bad_check_digit = row(8)["credit_code"][:17] + ("0" if row(8)["credit_code"][17] != "0" else "1")
    rows = {
        2: row(2, name=None),
        3: row(3, address="长" * 301),
        4: row(4, agency_type="外星企业"),
        5: row(5, founded_on="2019-02-30"),
        6: row(6, license_issued_on="去年春天"),
        7: row(7, credit_code="12345"),
        8: row(8, credit_code=bad_check_digit),
        9: row(9, "塘沽区"),
        10: row(10, legal_rep_id_no="110105194912310021"),
        11: row(11),
        12: row(12, credit_code=row(11)["credit_code"]),
        13: row(13, credit_code=existing["credit_code"]),
        14: row(14, license_number=existing["license_number"]),
        15: row(15, filing_number=existing["filing_number"]),
        16: row(16, license_items="为劳动者介绍用人单位、算命服务"),
        17: row(17, license_issued_on=None),
        18: row(18, license_valid_until="2010-01-01"),
        19: row(19, status="已注销"),
        20: row(20, phone="请致电前台"),
        21: row(21, credit_code=911201010000000000.0),
        22: row(22, **NO_LICENSE, **NO_FILING),
        23: row(23, division="火星区"),
        24: row(24, filing_status="作废"),
        25: row(25, founded_on="2099-01-01"),
        26: {},  # a blank row is skipped
        27: row(27, founded_on=45000, filed_on="2016年3月1日", license_issued_on="20150630"),
        28: row(28, **NO_FILING),
    }
    errors = {
        (2, "name"): "必填", (3, "address"): "不能超过300个字",
        (4, "agency_type"): "不是可选的机构类型", (5, "founded_on"): "日期不存在",
        (6, "license_issued_on"): "日期格式不正确", (7, "credit_code"): "统一社会信用代码应为18位",
        (10, "legal_rep_id_no"): "校验位错误",
        (11, "credit_code"): "与第12行的统一社会信用代码重复",
        (12, "credit_code"): "与第11行的统一社会信用代码重复",
        (13, "credit_code"): "已在登记库中", (14, "license_number"): "已在登记库中",
        (15, "filing_number"): "已在登记库中", (16, "license_items"): "算命服务",
        (17, "license_issued_on"): "必填", (18, "license_valid_until"): "早于发证日期",
        (19, "deregistered_on"): "必填", (20, "phone"): "电话号码格式不正确",
        (21, "credit_code"): "已被Excel改写", (22, "license_number"): "至少填写一项",
        (23, "division"): "不是天津市现有的区", (24, "filing_status"): "不是可选的备案状态",
        (25, "founded_on"): "不能晚于今天",
    }
    warnings = {(8, "credit_code"): "校验位错误", (9, "division"): "塘沽区是已撤销的旧区划"}
    return [rows.get(n, {}) for n in range(2, 29)], errors, warnings


def test_every_error_is_reported_at_its_row_and_column_and_nothing_is_imported(
        client, template, upload, gl, registry, existing):
    rows, errors, warnings = bad_rows(existing)
    before = registry()
    response = upload(fill(template, rows))
    assert response.status_code == 201, response.json
    batch = response.json
    found = {(e["row"], e["key"]): e for e in batch["errors"]}
    assert set(found) == set(errors)
    for place, part in errors.items():
        issue = found[place]
        assert part in issue["message"], (place, issue)
        assert issue["column"] == HEADERS[place[1]] and issue["hint"]
    assert found[(3, "address")]["value"] == "长" * 301
    assert found[(21, "credit_code")]["value"] == "911201010000000000"
    assert {(w["row"], w["key"]): w["message"] for w in batch["warnings"]}.keys() == warnings.keys()
    for warning in batch["warnings"]:
        assert warnings[(warning["row"], warning["key"])] in warning["message"]
    assert (batch["rows"], batch["valid_rows"]) == (26, 4)  # rows 8, 9, 27, 28
    assert batch["counts"] == {"agencies": 4, "licenses": 4, "filings": 3}
    assert batch["error_count"] == len(errors) and batch["warning_count"] == 2

    refused = client.post(f"/api/v1/history-imports/{batch['id']}/commit", headers=gl(CITY))
    assert refused.status_code == 409
    assert "错误" in refused.json["error"]["message"]
    assert registry() == before

    report = client.get(f"/api/v1/history-imports/{batch['id']}/report.xlsx", headers=gl(CITY))
    assert report.status_code == 200
    assert "filename*=UTF-8''" in report.headers["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(report.data))
    ws = wb[DATA_SHEET]
    width = len(COLUMNS)
    assert ws.cell(1, width + 1).value == RESULT_HEADER
    marked = {}
    for r in range(2, ws.max_row + 1):
        for index, column in enumerate(COLUMNS, start=1):
            cell = ws.cell(r, index)
            color = cell.fill.fgColor.rgb if cell.fill.fill_type == "solid" else None
            if color:
                marked[(r, column.key)] = color
                assert cell.comment is not None and cell.comment.text
            else:
                assert cell.comment is None, (r, column.key)
    assert {k for k, c in marked.items() if c.endswith("F8CBAD")} == set(errors)
    assert {k for k, c in marked.items() if c.endswith("FFF2CC")} == set(warnings)
    assert ws.cell(3, 1 + [c.key for c in COLUMNS].index("address")).value == "长" * 301
    assert ws.cell(2, width + 1).value.startswith("错误")
    assert ws.cell(8, width + 1).value.startswith("警告")
    assert ws.cell(26, width + 1).value is None and ws.cell(27, width + 1).value == "通过"
    listed = list(wb[ERRORS_SHEET].iter_rows(min_row=2, values_only=True))
    assert len(listed) == len(errors) + len(warnings)
    assert {(r[0], r[1]) for r in listed} == {(n, HEADERS[k]) for n, k in {**errors, **warnings}}


def test_the_error_report_is_a_template_again_and_rows_keep_their_numbers(
        client, template, upload, gl, existing):
    rows, errors, _ = bad_rows(existing)
    first = upload(fill(template, rows)).json
    report = client.get(f"/api/v1/history-imports/{first['id']}/report.xlsx", headers=gl(CITY)).data
    again = upload(report, "历史数据校验结果.xlsx")
    assert again.status_code == 201
    assert {(e["row"], e["key"]) for e in again.json["errors"]} == set(errors)

    # Fix it in the report: clear every bad row but the legacy district and check digit ones.
    wb = openpyxl.load_workbook(io.BytesIO(report))
    for r in {place[0] for place in errors}:
        for index in range(1, len(COLUMNS) + 2):
            wb[DATA_SHEET].cell(r, index).value = None
    out = io.BytesIO()
    wb.save(out)
    fixed = upload(out.getvalue()).json
    assert fixed["errors"] == [] and fixed["valid_rows"] == 4
    done = client.post(f"/api/v1/history-imports/{fixed['id']}/commit", headers=gl(CITY))
    assert done.status_code == 200, done.json


def test_legacy_district_is_imported_as_its_successor(app, client, template, upload, gl):
    batch = upload(fill(template, [row(1, "塘沽区"), row(2, "120222")])).json
    assert [w["key"] for w in batch["warnings"]] == ["division", "division"]
    assert client.post(f"/api/v1/history-imports/{batch['id']}/commit",
                       headers=gl(CITY)).status_code == 200
    with app.app_context():
        divisions = db.session.scalars(select(Agency.division_code).where(
            Agency.import_batch_id == batch["id"]).order_by(Agency.id)).all()
    assert divisions == ["120116", "120114"]


def test_dates_before_the_peoples_republic_are_row_errors(template, upload):
    """The bureau's earliest registry date (1949-10-01) is 机构管理's: the same rule, per cell."""
    rows = [row(2, founded_on="1900-05-01"), row(3, license_issued_on="1949-09-30"),
            row(4, founded_on="1949-10-01")]
    batch = upload(fill(template, rows)).json
    assert {(e["row"], e["key"]): e["message"] for e in batch["errors"]} == {
        (2, "founded_on"): "成立日期不能早于1949-10-01",
        (3, "license_issued_on"): "发证日期不能早于1949-10-01",
    }
