"""The 现场招聘会查阅 and 现场招聘会登记 pages: permissions, jurisdiction, form, CSRF, escaping."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from portal_plugin.core.extensions import db
from portal_plugin.job_fairs.models import JobFair
from tests.conftest import csrf_token_from
from tests.job_fairs.conftest import EVIL
from tests.kit import CITY, HP, HX, fair_body

ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;招聘会"


def form_data(**overrides) -> dict[str, str]:
    return {k: "" if v is None else str(v) for k, v in fair_body(**overrides).items()}


def test_menu_items(login_as):
    assert 'href="/job-fairs"' in login_as("HRM_CX", HP).get("/").text
    home = login_as("HRM_JG", HP).get("/").text
    assert "现场招聘会登记" in home and 'href="/job-fairs"' not in home


def test_district_officer_lists_only_the_districts_fairs_with_names_escaped(login_as, fairs):
    browser = login_as("HRM_CX", HP)
    listing = browser.get("/job-fairs")
    assert listing.status_code == 200
    assert ESCAPED in listing.text and EVIL not in listing.text
    assert f'href="/job-fairs/{fairs["hp"]["id"]}"' in listing.text
    assert "河西区秋季综合招聘会" not in listing.text
    assert "河西区" not in re.sub(r"<select.*?</select>", "", listing.text, flags=re.S)
    assert browser.get(f"/job-fairs/{fairs['hx']['id']}").status_code == 404
    assert 'id="fair-dialog"' in listing.text and 'class="fair-link"' in listing.text
    script = re.search(r'<script src="([^"]+job_fairs\.js)"', listing.text).group(1)
    assert browser.get(script).status_code == 200  # the details dialog, from our own origin
    detail = browser.get(f"/job-fairs/{fairs['hp']['id']}")
    assert detail.status_code == 200 and ESCAPED in detail.text and EVIL not in detail.text
    assert "天津市人力资源服务协会" in detail.text and "2027-03-01 09:00" in detail.text


def test_foreign_district_officer_never_sees_the_fair(login_as, fairs):
    for role in ("HRM_SL", "HRM_SH", "HRM_GL", "HRM_CX"):
        browser = login_as(role, "120104")  # 南开区: neither fair is held there
        listing = browser.get("/job-fairs").text
        assert ESCAPED not in listing and "河西区秋季综合招聘会" not in listing
        assert "没有符合条件的数据" in listing
        for fair in fairs.values():
            assert browser.get(f"/job-fairs/{fair['id']}").status_code == 404


def test_city_officer_queries_by_district_name_date_and_organizer(login_as, fairs):
    browser = login_as("HRM_CX", CITY)
    both = browser.get("/job-fairs").text
    assert ESCAPED in both and "河西区秋季综合招聘会" in both
    only_hx = browser.get(f"/job-fairs?division={HX}&held_from=2027-03-01&held_to=2027-03-01"
                          "&organizer=就业服务&name=秋季").text
    assert "河西区秋季综合招聘会" in only_hx and ESCAPED not in only_hx
    bad = browser.get("/job-fairs?held_from=2027-99-01")
    assert bad.status_code == 422 and "日期格式应为 YYYY-MM-DD" in bad.text


def test_clerk_registers_a_fair_through_the_form(app, login_as, agencies):
    browser = login_as("HRM_JG", HP)
    form = browser.get("/agency/job-fairs/new")
    assert form.status_code == 200 and "津和人力资源服务有限公司" in form.text  # 主办单位 default
    data = form_data(name=EVIL) | {"csrf_token": csrf_token_from(form.text)}
    refused = browser.post("/agency/job-fairs/new", data=data)  # no `<` in a name
    assert refused.status_code == 422 and "含有非法字符" in refused.text
    assert ESCAPED in refused.text and EVIL not in refused.text  # the input kept, escaped
    data = form_data(name="和平区秋季综合招聘会") | {"csrf_token": csrf_token_from(form.text)}
    saved = browser.post("/agency/job-fairs/new", data=data)
    assert saved.status_code == 302
    shown = browser.get(saved.headers["Location"])
    assert "已登记" in shown.text and "和平区秋季综合招聘会" in shown.text
    assert "和平区秋季综合招聘会" in browser.get("/agency/job-fairs").text


def test_form_shows_each_problem_beside_its_field_and_keeps_the_input(app, login_as, agencies):
    browser = login_as("HRM_JG", HP)
    token = csrf_token_from(browser.get("/agency/job-fairs/new").text)
    data = form_data(expected_visitors=1500, booths="-2", end_at="2027-03-01T08:00",
                     safety_phone="abc", division="120108", name="") | {"csrf_token": token}
    response = browser.post("/agency/job-fairs/new", data=data)
    assert response.status_code == 422
    for field, message in (("booths", "不能为负数"),
                           ("end_at", "结束时间应晚于开始时间"), ("safety_phone", "电话号码格式不正确"),
                           ("division", "不是有效的区级行政区划代码"), ("name", "必填")):
        assert re.search(rf'id="err-{field}">[^<]*{message}', response.text), field
    assert 'value="天津市南京路1号"' in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(JobFair)) == 0


def test_form_without_csrf_token_is_refused_and_stores_nothing(app, login_as, agencies):
    response = login_as("HRM_JG", HP).post("/agency/job-fairs/new", data=form_data())
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(JobFair)) == 0


def test_clerk_sees_only_their_agencys_fairs(login_as, fairs):
    from tests.kit import OTHER_CODE

    other = login_as("HRM_JG", HX, org_credit_code=OTHER_CODE)
    assert ESCAPED not in other.get("/agency/job-fairs").text
    assert other.get(f"/agency/job-fairs/{fairs['hp']['id']}").status_code == 404
    own = login_as("HRM_JG", HP)
    assert own.get(f"/agency/job-fairs/{fairs['hx']['id']}").status_code == 200


def test_clerk_of_an_agency_not_in_the_registry_is_told_so_on_the_form(login_as, agencies):
    browser = login_as("HRM_JG", HP, org_credit_code="91120104MA0000001P")
    token = csrf_token_from(browser.get("/agency/job-fairs/new").text)
    response = browser.post("/agency/job-fairs/new", data=form_data() | {"csrf_token": token})
    assert response.status_code == 409 and "本机构不在登记册中或已注销" in response.text


def test_a_fair_without_its_permit_is_marked_and_the_clerk_enters_it(app, login_as, register):
    pending = register(expected_visitors=2500)
    register(name="小型招聘会", expected_visitors=200)
    officer = login_as("HRM_SL", HP)
    listed = officer.get("/job-fairs?permit_pending=true")
    assert listed.status_code == 200 and "待补安全许可" in listed.text
    assert "小型招聘会" not in listed.text
    assert officer.get("/job-fairs?permit_pending=x").status_code == 422
    clerk = login_as("HRM_JG", HP)
    page = clerk.get(f"/agency/job-fairs/{pending['id']}")
    assert page.status_code == 200 and "补录安全许可文号" in page.text
    token = csrf_token_from(page.text)
    empty = clerk.post(f"/agency/job-fairs/{pending['id']}/police-permit",
                       data={"csrf_token": token, "police_permit_no": ""})
    assert empty.status_code == 422 and 'id="err-police_permit_no"' in empty.text
    saved = clerk.post(f"/agency/job-fairs/{pending['id']}/police-permit",
                       data={"csrf_token": token, "police_permit_no": "津公许字[2027]第7号"})
    assert saved.status_code == 302
    shown = clerk.get(saved.headers["Location"]).text
    assert "津公许字[2027]第7号" in shown and "badge warning" not in shown
    with app.app_context():
        assert db.session.get(JobFair, pending["id"]).police_permit_no == "津公许字[2027]第7号"
