"""The template round trip: download, fill, upload, preview, confirm → exactly those records."""

from __future__ import annotations

import io

import openpyxl
from sqlalchemy import select

from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency, AuditEvent, Filing, License
from portal_plugin.history.spec import (
    COLUMNS,
    DATA_SHEET,
    EXAMPLE_SHEET,
    GUIDE_SHEET,
    LISTS_SHEET,
    TEMPLATE_VERSION,
    VERSION_NAME,
)
from tests.history.conftest import fill, row
from tests.kit import CITY


def test_template_marks_required_columns_offers_lists_and_keeps_codes_as_text(template):
    wb = openpyxl.load_workbook(io.BytesIO(template))
    assert wb.sheetnames == [DATA_SHEET, GUIDE_SHEET, EXAMPLE_SHEET, LISTS_SHEET]
    assert wb[LISTS_SHEET].sheet_state == "hidden"
    assert wb.defined_names[VERSION_NAME].attr_text == f'"{TEMPLATE_VERSION}"'
    ws = wb[DATA_SHEET]
    headers = [c.value for c in ws[1]]
    assert headers == [c.title for c in COLUMNS]
    assert headers[0] == "*机构名称" and "联系人" in headers
    assert ws.freeze_panes == "A2"
    coded = {c.header for c in COLUMNS if c.source or c.kind == "division"}
    lists = {ws.cell(1, next(iter(dv.sqref)).min_col).value.lstrip("*")
             for dv in ws.data_validations.dataValidation}
    assert lists == coded
    for index, column in enumerate(COLUMNS, start=1):
        letter = openpyxl.utils.get_column_letter(index)
        if column.text_format:
            assert ws.column_dimensions[letter].number_format == "@", column.header
    guide = "\n".join(str(c.value) for r in wb[GUIDE_SHEET].iter_rows() for c in r if c.value)
    assert f"第{TEMPLATE_VERSION}版" in guide and "统一社会信用代码" in guide
    example = [c.value for c in wb[EXAMPLE_SHEET][2]]
    assert example[0] and example[1] == "91120101MA0000001C"


def test_template_round_trip_imports_exactly_the_rows(app, client, template, upload, gl,
                                                      registry):
    rows = [row(n) for n in range(1, 41)] + [
        row(41, license_number=None, license_issued_on=None, license_valid_until=None,
            license_items=None, license_status=None),
        row(42, "河西区", filing_number=None, filed_on=None, filing_items=None,
            filing_status=None, status="已注销", deregistered_on="2020-12-31"),
    ]
    before = registry()
    response = upload(fill(template, rows))
    assert response.status_code == 201, response.json
    batch = response.json
    assert (batch["status"], batch["rows"], batch["valid_rows"]) == ("validated", 42, 42)
    assert batch["errors"] == [] and batch["warnings"] == []
    assert batch["counts"] == {"agencies": 42, "licenses": 41, "filings": 41}
    assert batch["preview"][0]["name"] == rows[0]["name"]
    assert batch["preview"][0]["license_issued_on"] == "2015-06-30"
    assert registry() == before, "nothing is imported before the confirmation"

    response = client.post(f"/api/v1/history-imports/{batch['id']}/commit", headers=gl(CITY))
    assert response.status_code == 200, response.json
    assert response.json["imported"] == 42 and response.json["status"] == "imported"
    after = registry()
    assert after["agencies"] - before["agencies"] == {r["credit_code"] for r in rows}
    assert after["licenses"] - before["licenses"] == {r["license_number"] for r in rows
                                                      if r["license_number"]}
    assert after["filings"] - before["filings"] == {r["filing_number"] for r in rows
                                                    if r["filing_number"]}
    with app.app_context():
        agency = db.session.scalar(select(Agency).where(Agency.credit_code == rows[41]["credit_code"]))
        assert (agency.division_code, agency.status, agency.source) == ("120103", "deregistered",
                                                                        "history_import")
        assert agency.deregistered_on.isoformat() == "2020-12-31"
        assert agency.import_batch_id == batch["id"]
        license_ = db.session.scalar(select(License).where(
            License.license_number == rows[0]["license_number"]))
        assert license_.items == ["L01", "L02"] and license_.valid_until.isoformat() == "2030-06-29"
        assert license_.import_batch_id == batch["id"] and license_.source == "history_import"
        assert db.session.scalar(select(db.func.count()).select_from(Filing).where(
            Filing.import_batch_id == batch["id"])) == 41
        assert db.session.scalar(select(AuditEvent.action).where(
            AuditEvent.object_type == "import_batch", AuditEvent.to_state == "imported")) == "import"

    # Imported records are ordinary registry records: the licence list shows them.
    listed = client.get(f"/api/v1/licenses?q={rows[0]['credit_code']}", headers=gl(CITY)).json
    assert listed["items"][0]["license_number"] == rows[0]["license_number"]
