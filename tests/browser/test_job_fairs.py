"""现场招聘会 in headless Chromium: a clerk registers a fair, an officer opens its details dialog."""

from __future__ import annotations

import pytest

from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency
from tests.kit import add_license

pytestmark = pytest.mark.slow

CLERK_CODE = "91120101MA05R7XQ0P"  # the dev portal's 吴芳 (和平区)


def test_registered_fair_opens_in_the_details_dialog(as_user, live):  # type: ignore[no-untyped-def]
    _, app = live
    with app.app_context():  # the organiser holds a licence with 组织开展现场招聘会 (L03)
        agency = db.session.query(Agency).filter_by(credit_code=CLERK_CODE).first()
        if agency is None:
            agency = Agency(name="津和人力资源服务有限公司", credit_code=CLERK_CODE,
                            agency_type="T02", division_code="120101",
                            address="天津市和平区南京路100号", legal_rep="张伟",
                            legal_rep_id_no="11010519491231002X")
            db.session.add(agency)
            db.session.flush()
            add_license(agency, "（津）人服证字〔2024〕第01019001号", items=["L01", "L03"])
        db.session.commit()

    clerk = as_user("吴芳")
    clerk.get_by_role("link", name="现场招聘会登记").first.click()
    clerk.get_by_role("link", name="登记招聘会").click()
    clerk.fill("input[name='name']", "和平区春季专场招聘会")
    clerk.select_option("select[name='kind']", label="综合类招聘会")
    clerk.fill("input[name='start_at']", "2027-04-01T09:00")
    clerk.fill("input[name='end_at']", "2027-04-01T16:00")
    clerk.fill("input[name='venue']", "天津人才市场")
    clerk.fill("input[name='venue_address']", "天津市和平区南京路1号")
    clerk.select_option("select[name='division']", label="和平区")
    for field, value in (("booths", "80"), ("expected_employers", "70"),
                         ("expected_positions", "1500"), ("expected_visitors", "1200")):
        clerk.fill(f"input[name='{field}']", value)
    for field, value in (("safety_officer", "王强"), ("safety_phone", "022-23456789"),
                         ("contact", "李娜"), ("contact_phone", "13812345678")):
        clerk.fill(f"input[name='{field}']", value)
    # 1200 visitors in one session need the police permit (without it: 待补安全许可).
    clerk.fill("input[name='police_permit_no']", "津公(治)许字[2027]第001号")
    clerk.get_by_role("button", name="保存").click()
    clerk.get_by_text("现场招聘会“和平区春季专场招聘会”已登记").wait_for()

    officer = as_user("陈晨")  # 和平区 受理岗
    officer.get_by_role("link", name="现场招聘会查阅").first.click()
    officer.fill("input[name='name']", "春季专场")
    officer.get_by_role("button", name="查询").click()
    officer.get_by_role("link", name="和平区春季专场招聘会").click()
    dialog = officer.locator("#fair-dialog")
    dialog.get_by_text("津公(治)许字[2027]第001号").wait_for()
    assert "津公(治)许字[2027]第001号" in dialog.inner_text()
    assert "2027-04-01 09:00 至 2027-04-01 16:00" in dialog.inner_text()
    assert "/job-fairs?" in officer.url  # the list stays where it was
    dialog.get_by_role("button", name="关闭").click()
    dialog.wait_for(state="hidden")
