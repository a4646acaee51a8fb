"""/api/v1/job-fairs: registration with its checks, audit, filters, jurisdiction, permissions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal_plugin.core.extensions import db
from portal_plugin.core.models import AuditEvent
from portal_plugin.core.permissions import DEFAULT_ROLES
from portal_plugin.job_fairs.models import JobFair
from tests.job_fairs.conftest import EVIL
from tests.kit import CITY, HP, HX, OTHER_CODE, credit_code, fair_body

URL = "/api/v1/job-fairs"


def test_clerk_registers_a_fair_and_it_is_audited(app, client, clerk, agencies):
    response = client.post(URL, json=fair_body(), headers=clerk())
    assert response.status_code == 201, response.json
    fair = response.json
    assert fair["division"] == HP and fair["division_name"] == "和平区"
    assert fair["kind"] == "J04" and fair["kind_label"] == "农民工专场招聘会"
    assert fair["start_at"] == "2027-03-01T09:00:00+08:00"
    assert fair["agency"]["credit_code"] == "91120101MA05R7XQ0P"
    assert fair["booths"] == 120 and fair["police_permit_no"] is None
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.object_type == "job_fair"))
        assert (event.action, event.object_id, event.actor_roles) == (
            "register", str(fair["id"]), ["HRM_JG"])


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"name": ""}, "name", "必填"),
    ({"name": None}, "name", "必填"),
    ({"name": "招" * 201}, "name", "不能超过200个字"),
    ({"kind": "X99"}, "kind", "不是有效的代码"),
    ({"organizer": "  "}, "organizer", "必填"),
    ({"division": "120000"}, "division", "不是有效的区级行政区划代码"),
    ({"division": "120108"}, "division", "不是有效的区级行政区划代码"),  # a legacy district
    ({"safety_phone": "call me"}, "safety_phone", "电话号码格式不正确"),
    ({"contact_phone": None}, "contact_phone", "必填"),
    ({"booths": -1}, "booths", "不能为负数"),
    ({"booths": "-3"}, "booths", "不能为负数"),
    ({"booths": 2.5}, "booths", "应为整数"),
    ({"booths": True}, "booths", "应为整数"),
    ({"expected_employers": "十"}, "expected_employers", "应为整数"),
    ({"expected_employers": "٣"}, "expected_employers", "应为整数"),
    ({"expected_employers": "  "}, "expected_employers", "必填"),
    ({"expected_positions": 10**9}, "expected_positions", "不能超过1000000"),
    ({"expected_visitors": None}, "expected_visitors", "必填"),
    ({"start_at": "明天"}, "start_at", "时间格式应为 YYYY-MM-DD HH:MM"),
    ({"start_at": "1900-01-01T09:00"}, "start_at", "年份应在2000至2100之间"),
    ({"end_at": "2027-03-01T09:00"}, "end_at", "结束时间应晚于开始时间"),
    ({"end_at": "2027-02-28T18:00"}, "end_at", "结束时间应晚于开始时间"),
    ({"end_at": "2027-05-01T18:00"}, "end_at", "举办时间不能超过30天"),
    ({"venue_address": "a\x00b"}, "venue_address", "包含不允许的控制字符"),
    ({"sessions": 0}, "sessions", "场次至少为1"),
    ({"sessions": "两场"}, "sessions", "应为整数"),
])
def test_bad_input_is_422_naming_the_field(client, clerk, agencies, overrides, field, message):
    response = client.post(URL, json=fair_body(**overrides), headers=clerk())
    assert response.status_code == 422, response.json
    assert response.json["error"]["fields"][field] == message


def test_police_permit_counts_visitors_per_session(client, clerk, agencies):
    """One session a day unless told: 2900 over three days is 967 a session (no permit); 2900
    in two sessions is 1450 a session (permit needed, 待补安全许可 until it is entered)."""
    small = client.post(URL, json=fair_body(expected_visitors=999), headers=clerk()).json
    assert (small["sessions"], small["permit_required"], small["permit_pending"]) == (1, False, False)
    three_days = client.post(URL, json=fair_body(expected_visitors=2900,
                                                 end_at="2027-03-03T16:00"), headers=clerk())
    assert three_days.status_code == 201, three_days.json
    assert (three_days.json["sessions"], three_days.json["visitors_per_session"]) == (3, 967)
    assert three_days.json["permit_pending"] is False
    two = client.post(URL, json=fair_body(expected_visitors=2900, end_at="2027-03-03T16:00",
                                          sessions=2), headers=clerk()).json
    assert (two["visitors_per_session"], two["permit_required"], two["permit_pending"]) == (
        1450, True, True)
    exactly = client.post(URL, json=fair_body(expected_visitors=1000), headers=clerk()).json
    assert exactly["permit_pending"] is True
    permit = "津公(治)许字[2027]第012号"
    big = client.post(URL, json=fair_body(expected_visitors=5000, police_permit_no=permit),
                      headers=clerk())
    assert big.status_code == 201 and big.json["police_permit_no"] == permit
    assert big.json["permit_pending"] is False


def test_a_pending_fair_is_listed_until_its_permit_is_entered(app, client, clerk, auth_header,
                                                             agencies):
    pending = client.post(URL, json=fair_body(expected_visitors=3000), headers=clerk()).json
    done = client.post(URL, json=fair_body(expected_visitors=100), headers=clerk()).json
    listed = client.get(URL + "?permit_pending=true", headers=auth_header("HRM_SL", HP)).json
    assert [f["id"] for f in listed["items"]] == [pending["id"]]
    others = client.get(URL + "?permit_pending=false", headers=clerk()).json
    assert [f["id"] for f in others["items"]] == [done["id"]]
    assert client.get(URL + "?permit_pending=maybe", headers=clerk()).status_code == 422
    put = f"{URL}/{pending['id']}/police-permit"
    assert client.put(put, json={"police_permit_no": ""}, headers=clerk()).status_code == 422
    assert client.put(put, json={"police_permit_no": "津公许字[2027]第1号"},
                      headers=clerk(OTHER_CODE)).status_code == 404
    assert client.put(put, json={"police_permit_no": "津公许字[2027]第1号"},
                      headers=auth_header("HRM_GL", HP)).status_code == 403
    entered = client.put(put, json={"police_permit_no": "津公许字[2027]第1号"}, headers=clerk())
    assert entered.status_code == 200, entered.json
    assert entered.json["permit_pending"] is False
    assert client.get(URL + "?permit_pending=true", headers=clerk()).json["items"] == []
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "enter_permit"))
        assert (event.object_id, event.from_state, event.to_state) == (
            str(pending["id"]), "permit_pending", "registered")


@pytest.mark.parametrize(("items", "reason"), [
    (None, "本机构没有有效的人力资源服务许可证"),
    (["L01", "L02"], "未包含许可事项“组织开展现场招聘会”"),
])
def test_a_fair_needs_a_licence_with_the_fair_item(app, client, clerk, items, reason):
    from portal_plugin.core.models import Agency
    from tests.kit import CLERK_CODE, add_agency, add_license

    with app.app_context():
        agency = add_agency(CLERK_CODE, HP, "津和人力资源服务有限公司")
        if items is not None:
            add_license(agency, "津人服证字〔2024〕0909号", items=items)
        db.session.commit()
        assert db.session.get(Agency, agency.id) is not None
    response = client.post(URL, json=fair_body(), headers=clerk())
    assert response.status_code == 422
    assert reason in response.json["error"]["fields"]["agency"]
    with app.app_context():
        assert db.session.scalar(select(JobFair.id)) is None


def test_an_expired_or_revoked_licence_does_not_license_a_fair(app, client, clerk):
    import datetime as dt

    from tests.kit import CLERK_CODE, add_agency, add_license

    with app.app_context():
        agency = add_agency(CLERK_CODE, HP, "津和人力资源服务有限公司")
        add_license(agency, "津人服证字〔2020〕0001号", items=["L03"],
                    valid_until=dt.date.today() - dt.timedelta(days=1))
        db.session.commit()
    response = client.post(URL, json=fair_body(), headers=clerk())
    assert response.status_code == 422 and "agency" in response.json["error"]["fields"]


def test_every_problem_is_reported_at_once_and_nothing_is_stored(app, client, clerk, agencies):
    response = client.post(URL, json={"expected_visitors": 3000}, headers=clerk())
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) >= {"name", "kind", "organizer", "start_at",
                                                     "division", "booths"}
    with app.app_context():
        assert db.session.scalar(select(JobFair.id)) is None


def test_malformed_bodies_are_400_or_422_never_500(client, clerk, agencies):
    assert client.post(URL, data="{", content_type="application/json",
                       headers=clerk()).status_code == 400
    assert client.post(URL, json=[1], headers=clerk()).status_code == 422


def test_clerk_of_an_agency_not_in_the_registry_is_refused(client, clerk, agencies):
    response = client.post(URL, json=fair_body(), headers=clerk(credit_code(4242)))
    assert response.status_code == 409
    assert "不在登记册中" in response.json["error"]["message"]


def test_officers_cannot_register_and_anonymous_is_401(client, auth_header, agencies):
    assert client.post(URL, json=fair_body(), headers=auth_header("HRM_GL")).status_code == 403
    assert client.post(URL, json=fair_body()).status_code == 401
    assert client.get(URL).status_code == 401


def test_district_officer_sees_only_fairs_held_in_the_district(client, auth_header, fairs):
    for role in ("HRM_SL", "HRM_SH", "HRM_GL", "HRM_CX"):
        hp = client.get(URL, headers=auth_header(role, HP)).json
        assert [f["id"] for f in hp["items"]] == [fairs["hp"]["id"]] and hp["total"] == 1
        hx = client.get(URL, headers=auth_header(role, HX)).json
        assert [f["id"] for f in hx["items"]] == [fairs["hx"]["id"]]
        assert client.get(f"{URL}/{fairs['hx']['id']}",
                          headers=auth_header(role, HP)).status_code == 404
        assert client.get(f"{URL}/{fairs['hp']['id']}",
                          headers=auth_header(role, HP)).json["name"] == EVIL
    foreign = client.get(f"{URL}?division={HX}", headers=auth_header("HRM_CX", HP))
    assert foreign.status_code == 422 and "division" in foreign.json["error"]["fields"]


def test_city_officer_sees_every_district(client, auth_header, fairs):
    answer = client.get(URL, headers=auth_header("HRM_CX", CITY)).json
    assert {f["id"] for f in answer["items"]} == {fairs["hp"]["id"], fairs["hx"]["id"]}
    assert client.get(f"{URL}?division={HX}", headers=auth_header("HRM_CX", CITY)).json[
        "total"] == 1


def test_clerks_read_only_their_own_agencys_fairs(client, clerk, fairs, register):
    theirs = register(HX, code=OTHER_CODE, name="河西英才专场")
    assert client.get(URL, headers=clerk()).json["total"] == 2
    other = client.get(URL, headers=clerk(OTHER_CODE)).json
    assert [f["id"] for f in other["items"]] == [theirs["id"]]
    assert client.get(f"{URL}/{fairs['hp']['id']}", headers=clerk(OTHER_CODE)).status_code == 404


def test_filters_name_organizer_dates_and_paging(client, auth_header, fairs, register):
    register(HP, name="高校毕业生双选会", start_at="2027-06-10T09:00", end_at="2027-06-11T16:00")
    officer = auth_header("HRM_CX", CITY)

    def names(query: str) -> list[str]:
        answer = client.get(f"{URL}?{query}", headers=officer)
        assert answer.status_code == 200, answer.json
        return [f["name"] for f in answer.json["items"]]

    assert names("name=双选") == ["高校毕业生双选会"]
    assert names("name=%25") == names("") and len(names("")) == 3  # wildcards are taken literally
    assert names("organizer=河西区就业") == ["河西区秋季综合招聘会"]
    assert names("held_from=2027-06-11") == ["高校毕业生双选会"]  # still going on that day
    assert names("held_from=2027-06-12") == []
    assert len(names("held_from=2027-03-01&held_to=2027-03-01")) == 2
    assert names("held_to=2027-02-28") == []
    page = client.get(f"{URL}?per_page=2&page=2", headers=officer).json
    assert (page["total"], page["page"], page["per_page"], len(page["items"])) == (3, 2, 2, 1)
    assert names("held_from=2027-06-10&page=1")[0] == "高校毕业生双选会"


@pytest.mark.parametrize("query", ["held_from=2027-13-01", "held_from=2027-06-02&held_to=2027-06-01",
                                   "page=x", "page=999999999"])
def test_bad_queries_are_422(client, auth_header, query):
    assert client.get(f"{URL}?{query}", headers=auth_header("HRM_CX", CITY)).status_code == 422


def test_absent_and_huge_ids_are_404(client, auth_header):
    for fair_id in (1, 2**31, 10**30):
        assert client.get(f"{URL}/{fair_id}", headers=auth_header("HRM_CX", CITY)).status_code == 404


@pytest.mark.parametrize("role", sorted(DEFAULT_ROLES))
def test_reading_needs_job_fairs_view_or_the_clerks_own(client, auth_header, fairs, role):
    holds = DEFAULT_ROLES[role].permissions
    allowed = "job_fairs.view" in holds or "agency.self_service" in holds
    headers = auth_header(role, HP)
    assert client.get(URL, headers=headers).status_code == (200 if allowed else 403)
    assert client.get(f"{URL}/{fairs['hp']['id']}", headers=headers).status_code == (
        200 if allowed else 403)
    writes = client.post(URL, json=fair_body(), headers=headers).status_code
    assert writes == (201 if "agency.self_service" in holds else 403)


def test_the_api_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {"post", "get"} <= set(paths["/job-fairs"]) and "get" in paths["/job-fairs/{fair_id}"]
    assert "put" in paths["/job-fairs/{fair_id}/police-permit"]
