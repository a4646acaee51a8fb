"""年度报告 pages: permissions, jurisdiction, the review dialogs, the clerk's form, escaping."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal_plugin.annual_reports.models import AnnualReport
from portal_plugin.core.extensions import db
from tests.conftest import csrf_token_from
from tests.kit import CITY, HP, HX, OTHER_CODE, YEAR, report_body

NAME = "<script>alert(1)</script>人力资源有限公司"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;人力资源有限公司"


def form_data(**overrides) -> dict[str, str]:
    return {k: "" if v is None else str(v) for k, v in report_body(**overrides).items()}


@pytest.fixture
def evil_agency(app, agencies):
    """The 和平区 agency's name carries a script tag."""
    from portal_plugin.core.models import Agency
    from tests.kit import CLERK_CODE

    with app.app_context():
        db.session.query(Agency).filter_by(credit_code=CLERK_CODE).update({"name": NAME})
        db.session.commit()


def test_menu_items(login_as):
    assert 'href="/annual-reports"' in login_as("HRM_GL", HP).get("/").text
    home = login_as("HRM_JG", HP).get("/").text
    assert "年度报告填报" in home and 'href="/annual-reports"' not in home


def test_district_officer_sees_and_opens_only_the_districts_reports(login_as, evil_agency,
                                                                    report):
    hp = report("submitted")
    hx = report("submitted", code=OTHER_CODE, division=HX)
    browser = login_as("HRM_GL", HP)
    listing = browser.get("/annual-reports")
    assert listing.status_code == 200
    assert ESCAPED in listing.text and NAME not in listing.text
    assert f'href="/annual-reports/{hp["id"]}"' in listing.text
    assert "河西英才" not in listing.text
    assert browser.get(f"/annual-reports/{hx['id']}").status_code == 404
    assert browser.get(f"/annual-reports?division={HX}").status_code == 422
    foreign = login_as("HRM_GL", "120104")
    assert "没有符合条件的数据" in foreign.get("/annual-reports").text
    assert foreign.get(f"/annual-reports/{hp['id']}").status_code == 404
    city = login_as("HRM_GL", CITY).get(f"/annual-reports?year={YEAR}&status=submitted").text
    assert ESCAPED in city and "河西英才" in city


def test_review_pass_then_reopen_on_the_page(login_as, report):
    data = report("submitted")
    browser = login_as("HRM_GL", HP)
    page = browser.get(f"/annual-reports/{data['id']}")
    assert "<summary class=\"button\">查阅</summary>" in page.text and "退回重填" not in page.text
    token = csrf_token_from(page.text)
    empty = browser.post(f"/annual-reports/{data['id']}/return",
                         data={"csrf_token": token, "version": str(data["version"]),
                               "reason": ""})
    assert empty.status_code == 422 and "请填写退回原因" in empty.text
    stale = browser.post(f"/annual-reports/{data['id']}/pass",
                         data={"csrf_token": token, "version": str(data["version"] - 1)})
    assert stale.status_code == 409 and "该数据已被他人处理，请刷新" in stale.text
    passed = browser.post(f"/annual-reports/{data['id']}/pass",
                          data={"csrf_token": token, "version": str(data["version"])})
    assert passed.status_code == 302
    page = browser.get(passed.headers["Location"]).text
    assert "年度报告已通过" in page and "退回重填" in page
    reopened = browser.post(f"/annual-reports/{data['id']}/return", data={
        "csrf_token": token, "version": str(data["version"] + 1), "reason": "请更正从业人员数"})
    assert reopened.status_code == 302
    assert "请更正从业人员数" in browser.get(reopened.headers["Location"]).text
    no_csrf = browser.post(f"/annual-reports/{data['id']}/pass", data={})
    assert no_csrf.status_code == 400


def test_clerk_fills_in_saves_and_submits_through_the_form(app, login_as, licensed):
    browser = login_as("HRM_JG", HP)
    form = browser.get("/agency/annual-reports/new")
    assert form.status_code == 200 and "津和人力资源服务有限公司" in form.text
    token = csrf_token_from(form.text)
    saved = browser.post("/agency/annual-reports/new",
                         data=form_data() | {"csrf_token": token, "submit": "0"})
    assert saved.status_code == 302
    page = browser.get(saved.headers["Location"]).text
    assert "已保存" in page and "草稿" in page and "津人服证字〔2024〕0101号" in page
    again = browser.post("/agency/annual-reports/new",
                         data=form_data() | {"csrf_token": token, "submit": "1"})
    assert again.status_code == 409 and "不能重复填报" in again.text
    report_id = int(saved.headers["Location"].rsplit("/", 1)[1])
    submitted = browser.post(f"/agency/annual-reports/{report_id}/edit", data=form_data(
        staff_count=30) | {"csrf_token": token, "submit": "1", "version": "1"})
    assert submitted.status_code == 302
    assert "已报送" in browser.get(submitted.headers["Location"]).text
    assert browser.get(f"/agency/annual-reports/{report_id}/edit").status_code == 200
    late = browser.post(f"/agency/annual-reports/{report_id}/edit",
                        data=form_data() | {"csrf_token": token, "version": "2"})
    assert late.status_code == 409


def test_form_shows_each_problem_beside_its_field_and_keeps_the_input(app, login_as,
                                                                      agencies):
    browser = login_as("HRM_JG", HP)
    token = csrf_token_from(browser.get("/agency/annual-reports/new").text)
    data = form_data(year="2999", staff_count="-3", revenue="1.234", trainings="三",
                     filled_by="", complaints="曾被投诉一次") | {"csrf_token": token}
    response = browser.post("/agency/annual-reports/new", data=data)
    assert response.status_code == 422
    for field, message in (("year", "报告年度应在2000年至"), ("staff_count", "不能为负数"),
                           ("revenue", "最多保留两位小数"), ("trainings", "应为整数"),
                           ("filled_by", "必填")):
        assert re.search(rf'id="err-{field}">[^<]*{message}', response.text), field
    assert "曾被投诉一次" in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AnnualReport)) == 0


def test_clerk_sees_only_their_agencys_reports(login_as, report):
    hp = report("returned")
    other = login_as("HRM_JG", HX, org_credit_code=OTHER_CODE)
    assert "津和" not in other.get("/agency/annual-reports").text
    assert other.get(f"/agency/annual-reports/{hp['id']}").status_code == 404
    own = login_as("HRM_JG", HP).get(f"/agency/annual-reports/{hp['id']}").text
    assert "请补充投诉处理情况" in own and "修改" in own


def test_clerk_of_an_agency_not_in_the_registry_is_told_so(login_as, agencies):
    browser = login_as("HRM_JG", HP, org_credit_code="91120104MA0000001P")
    assert "尚未在登记册中" in browser.get("/agency/annual-reports").text
