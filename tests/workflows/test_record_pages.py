"""The 查看 pages list the registry's records: from applications (opening the application),
entered and imported ones alike, within the officer's jurisdiction."""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask

from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency, Filing, License
from tests.kit import CLERK_CODE, HP, HX, credit_code


def imported(app: Flask, division: str, name: str) -> str:
    """An agency with a licence and a filing as the history import leaves them."""
    code = credit_code(900 + int(division[-2:]), division)
    with app.app_context():
        agency = Agency(name=name, credit_code=code, agency_type="T02", division_code=division,
                        address="天津市某路1号", legal_rep="张伟", legal_rep_id_no="11010519491231002X",
                        source="history_import")
        db.session.add(agency)
        db.session.flush()
        db.session.add_all([
            License(agency_id=agency.id, license_number=f"（津）人服证字〔2015〕第{code[-8:]}号",
                    items=["L01"], issued_on=dt.date(2015, 6, 1), source="history_import"),
            Filing(agency_id=agency.id, filing_number=f"津人服备字〔2016〕第{code[-8:]}号",
                   items=["F01"], filed_on=dt.date(2016, 3, 1), source="history_import"),
        ])
        db.session.commit()
    return code


def test_records_pages_show_imported_and_applied_records_in_jurisdiction(app, login_as,
                                                                       registered) -> None:
    applied = registered()
    imported(app, HP, "旧档人力资源服务公司")
    imported(app, HX, "河西旧档人力资源公司")
    officer = login_as("HRM_CX", HP)

    page = officer.get("/licensing/records").get_data(as_text=True)
    assert "旧档人力资源服务公司" in page and "历史导入" in page and "申报" in page
    assert "河西旧档人力资源公司" not in page  # another district's record
    assert applied["licensing"]["license_number"] in page
    # The applied licence's agency name opens the application that issued it.
    case_url = f'/cases/licensing/{applied["licensing"]["id"]}'
    assert re.search(rf'<a href="{re.escape(case_url)}">', page)
    # An imported record's agency name opens the agency's details, readable with 查看 rights.
    details = re.search(r'<a href="(/agencies/\d+)">旧档人力资源服务公司</a>', page).group(1)
    assert "旧档人力资源服务公司" in officer.get(details).get_data(as_text=True)

    filings = officer.get("/filing/records?name=旧档").get_data(as_text=True)
    assert "旧档人力资源服务公司" in filings and CLERK_CODE not in filings

    city = login_as("HRM_CX", "120000").get("/licensing/records?status=valid")
    assert "河西旧档人力资源公司" in city.get_data(as_text=True)


def test_records_page_filters_and_bad_input(app, login_as) -> None:
    code = imported(app, HP, "旧档人力资源服务公司")
    officer = login_as("HRM_CX", HP)
    assert code in officer.get(f"/licensing/records?credit_code={code}").get_data(as_text=True)
    empty = officer.get("/licensing/records?granted_from=2020-01-01").get_data(as_text=True)
    assert code not in empty and "没有符合条件的数据" in empty
    bad = officer.get("/licensing/records?granted_to=2020-13-01&status=nope")
    text = bad.get_data(as_text=True)
    assert bad.status_code == 200
    assert "日期格式应为 YYYY-MM-DD" in text and "不是有效的状态" in text
    # Another district is not the district officer's to choose: ignored, nothing of it shown.
    other = imported(app, HX, "河西旧档人力资源公司")
    assert other not in officer.get("/licensing/records?division=120103").get_data(as_text=True)
    city = login_as("HRM_CX", "120000").get("/licensing/records?division=110101")
    assert "不在您的管辖范围内" in city.get_data(as_text=True)


def test_record_api_takes_the_same_filters(app, client, people) -> None:
    code = imported(app, HP, "旧档人力资源服务公司")
    officer = people.officer("HRM_CX")

    def numbers(query: str) -> list[str]:
        answer = client.get(f"/api/v1/licenses?{query}", headers=officer)
        assert answer.status_code == 200, answer.json
        return [row["agency"]["credit_code"] for row in answer.json["items"]]

    assert numbers(f"credit_code={code}") == [code]
    assert numbers("name=旧档&granted_to=2015-12-31") == [code]
    assert numbers("granted_from=2016-01-01") == []
    bad = client.get("/api/v1/licenses?granted_from=2016-02-30", headers=officer)
    assert bad.status_code == 422 and "granted_from" in str(bad.json)
