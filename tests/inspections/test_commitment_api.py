"""告知承诺制 over the API: the procedure, the on-the-spot grant, the exclusion list, 事后核查."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from portal_plugin.core.extensions import db
from portal_plugin.core.models import AuditEvent, License
from portal_plugin.revocations.models import Revocation
from tests.inspections.conftest import commitment_body
from tests.kit import CITY, CLERK_CODE, HP, HX, OTHER_CODE, agency_body, credit_code
from workflows.commitment import MUST_ACCEPT, Exclusion, Inspection


def today() -> dt.date:
    from portal_plugin.core.clock import today as local_today
    return local_today()


def audit_rows(app, object_type: str) -> list[tuple[str, str | None, str | None]]:
    with app.app_context():
        return [(e.action, e.from_state, e.to_state) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.object_type == object_type)
            .order_by(AuditEvent.id))]


def test_commitment_keeps_the_accepted_promise_with_time_and_user(app, api, people):
    response = api.create("licensing", commitment_body())
    assert response.status_code == 201, response.json
    application = response.json["application"]
    assert application["procedure"] == "commitment"
    promise = application["commitment"]
    assert promise["promise"].startswith("本机构已阅读并承诺")
    assert promise["accepted_by_name"] and promise["accepted_at"] and promise["version"]
    assert "签署承诺书" in (response.json["events"][-1]["reason"] or "")
    assert response.json["events"][-1]["action"] == "commit"


def test_commitment_needs_the_promise_accepted(api):
    for accepted in (None, False, "false"):
        response = api.create("licensing", commitment_body(commitment_accepted=accepted))
        assert response.status_code == 422
        assert response.json["error"]["fields"]["commitment_accepted"] == MUST_ACCEPT
    wrong = api.create("licensing", commitment_body(procedure="fast"))
    assert wrong.status_code == 422 and "procedure" in wrong.json["error"]["fields"]


def test_ordinary_is_the_default(api):
    response = api.create("licensing", {"agency": agency_body(), "license_items": ["L01"]})
    assert response.status_code == 201
    assert response.json["application"]["procedure"] == "ordinary"
    assert "commitment" not in response.json["application"]


def test_on_the_spot_grant_issues_the_licence_and_opens_the_check(app, api, people, granted):
    case = granted()
    assert case["status"] == "approved"
    assert case["license_number"].startswith("（津）人服证字〔")
    assert case["decision_number"]
    assert case["accepted_at"] and case["decided_at"]
    assert case["issue_due"] and case["clock"] == "issue"  # the issuance clock runs
    assert case["result"]["inspection_due"] == (today() + dt.timedelta(days=30)).isoformat()
    assert "issue" in case["actions"]
    with app.app_context():
        inspection = db.session.scalar(select(Inspection))
        assert inspection.status == "open" and inspection.case_id == case["id"]
        assert inspection.due == today() + dt.timedelta(days=30)
        licence = db.session.get(License, inspection.license_id)
        assert licence.license_number == case["license_number"] and licence.status == "valid"
    grant_events = [e for e in case["events"] if e["action"] == "grant"]
    assert grant_events and grant_events[0]["from"] == "submitted" and grant_events[0]["to"] == "approved"
    assert audit_rows(app, "inspection") == [("open", None, "open")]
    listed = api.client.get("/api/v1/inspections", headers=people.officer("HRM_GL", HP)).json
    assert listed["total"] == 1
    row = listed["items"][0]
    assert row["days_left"] == 30 and row["deadline_flag"] is None
    assert row["license_number"] == case["license_number"] and row["status"] == "open"


def test_inspection_period_is_a_setting(make_app, people):
    from flask.testing import FlaskClient

    from tests.kit import Api
    app = make_app(INSPECTION_PERIOD_DAYS=10)
    client: FlaskClient = app.test_client()
    # Tokens are minted per app: use the same people helper over the new client.
    api = Api(client, people)
    created = api.create("licensing", commitment_body(), submit=True)
    granted = api.act("licensing", created.json["id"], "grant", people.officer("HRM_SL", HP))
    assert granted.json["result"]["inspection_due"] == (
        today() + dt.timedelta(days=10)).isoformat()


def test_grant_is_refused_on_an_ordinary_case(app, api, people):
    created = api.create("licensing", {"agency": agency_body(), "license_items": ["L01"]},
                         submit=True)
    case_id = created.json["id"]
    assert "grant" not in api.get("licensing", case_id, people.officer("HRM_SL", HP)).json["actions"]
    response = api.act("licensing", case_id, "grant", people.officer("HRM_SL", HP))
    assert response.status_code == 409
    assert response.json["error"]["message"] == "只有选择告知承诺制的行政许可申请可以当场准予许可"
    assert api.get("licensing", case_id, people.officer("HRM_SL", HP)).json["status"] == "submitted"
    # … and on another workflow's case.
    filing = api.create("filing", {"agency": agency_body(), "filing_items": ["F01"]}, submit=True)
    assert api.act("filing", filing.json["id"], "grant",
                   people.officer("HRM_SL", HP)).status_code == 409


def test_grant_needs_the_acceptance_role(api, people):
    created = api.create("licensing", commitment_body(), submit=True)
    case_id = created.json["id"]
    assert "grant" in api.get("licensing", case_id, people.officer("HRM_SL", HP)).json["actions"]
    assert api.act("licensing", case_id, "grant", people.officer("HRM_SH", HP)).status_code == 403
    assert api.act("licensing", case_id, "grant", people.officer("HRM_SL", HX)).status_code == 404


def test_exclusion_list_blocks_the_choice(app, api, people):
    gl = people.officer("HRM_GL", HP)
    added = api.client.post("/api/v1/exclusions", json={
        "credit_code": CLERK_CODE, "agency_name": "津和人力资源服务有限公司",
        "reason": "serious_dishonesty"}, headers=gl)
    assert added.status_code == 201, added.json
    assert added.json["active"] is True and added.json["starts_on"] == today().isoformat()
    refused = api.create("licensing", commitment_body())
    assert refused.status_code == 422
    assert "告知承诺黑名单" in refused.json["error"]["fields"]["procedure"]
    assert "严重失信" in refused.json["error"]["fields"]["procedure"]
    # The ordinary procedure stays open to it.
    assert api.create("licensing", {"agency": agency_body(), "license_items": ["L01"]}
                      ).status_code == 201
    # A second entry while one is in force is refused; removal ends it today.
    again = api.client.post("/api/v1/exclusions", json={
        "credit_code": CLERK_CODE, "agency_name": "x", "reason": "other",
        "reason_text": "重复"}, headers=gl)
    assert again.status_code == 409
    removed = api.client.delete(f"/api/v1/exclusions/{added.json['id']}", headers=gl)
    assert removed.status_code == 200 and removed.json["active"] is False
    assert removed.json["ends_on"] == today().isoformat()
    assert api.client.delete(f"/api/v1/exclusions/{added.json['id']}",
                             headers=gl).status_code == 409
    history = api.client.get("/api/v1/exclusions", headers=gl).json
    assert history["total"] == 1 and history["items"][0]["ended_by_name"]
    assert api.client.get("/api/v1/exclusions?active=true", headers=gl).json["total"] == 0
    assert audit_rows(app, "exclusion") == [("exclude", None, "active"), ("end", "active", "ended")]
    # Off the list, the other clerk's agency can choose commitment again.
    ok = api.create("licensing", commitment_body(OTHER_CODE, HX), OTHER_CODE)
    assert ok.status_code == 201


def test_exclusion_input_is_checked(api, people):
    gl = people.officer("HRM_GL", HP)
    bad = api.client.post("/api/v1/exclusions", json={"credit_code": "123", "reason": "nope"},
                          headers=gl)
    assert bad.status_code == 422
    assert set(bad.json["error"]["fields"]) >= {"credit_code", "reason"}
    other = api.client.post("/api/v1/exclusions", json={
        "credit_code": credit_code(5151), "agency_name": "某机构", "reason": "other"},
        headers=gl)
    assert other.status_code == 422 and other.json["error"]["fields"]["reason_text"]
    unknown = api.client.post("/api/v1/exclusions", json={
        "credit_code": credit_code(5152), "reason": "false_promise"}, headers=gl)
    assert unknown.status_code == 422 and "agency_name" in unknown.json["error"]["fields"]


def test_exclusions_follow_jurisdiction(app, api, people, agencies):
    hx = people.officer("HRM_GL", HX)
    # 河西区 cannot list a 和平区 agency, nor see or end 和平区's entries.
    assert api.client.post("/api/v1/exclusions", json={
        "credit_code": CLERK_CODE, "reason": "serious_dishonesty"}, headers=hx).status_code == 422
    entry = api.client.post("/api/v1/exclusions", json={
        "credit_code": CLERK_CODE, "reason": "serious_dishonesty"},
        headers=people.officer("HRM_GL", HP)).json
    assert entry["agency_name"] == "津和人力资源服务有限公司" and entry["division"] == HP
    assert api.client.get("/api/v1/exclusions", headers=hx).json["total"] == 0
    assert api.client.delete(f"/api/v1/exclusions/{entry['id']}", headers=hx).status_code == 404
    assert api.client.get("/api/v1/exclusions",
                          headers=people.officer("HRM_GL", CITY)).json["total"] == 1


def outcome(api, people, inspection_id: int, division: str = HP, **body):
    return api.client.post(f"/api/v1/inspections/{inspection_id}/outcome", json=body,
                           headers=people.officer("HRM_GL", division))


def inspection_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Inspection.id))


def test_passed_closes_the_check(app, api, people, granted):
    case = granted()
    ident = inspection_id(app)
    response = outcome(api, people, ident, outcome="passed", remarks="现场核查符合条件")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "closed" and response.json["outcome"] == "passed"
    assert response.json["days_left"] is None and response.json["license_status"] == "valid"
    assert outcome(api, people, ident, outcome="passed").status_code == 409
    assert audit_rows(app, "inspection")[-1] == ("outcome", "open", "closed")
    events = api.get("licensing", case["id"], people.officer("HRM_SL", HP)).json["events"]
    assert events[-1]["action"] == "inspect" and events[-1]["reason"] == "核查合格"
    gl = people.officer("HRM_GL", HP)
    assert api.client.get("/api/v1/inspections?status=open", headers=gl).json["total"] == 0
    assert api.client.get("/api/v1/inspections?status=closed", headers=gl).json["total"] == 1
    assert api.client.get("/api/v1/inspections?status=x", headers=gl).status_code == 422


def test_rectify_needs_a_due_date_and_keeps_it_open(app, api, people, granted):
    granted()
    ident = inspection_id(app)
    missing = outcome(api, people, ident, outcome="rectify")
    assert missing.status_code == 422 and missing.json["error"]["fields"]["due"] == "限期整改须填写整改期限"
    past = outcome(api, people, ident, outcome="rectify", due=today().isoformat())
    assert past.status_code == 422 and past.json["error"]["fields"]["due"] == "整改期限应晚于今天"
    due = today() + dt.timedelta(days=15)
    response = outcome(api, people, ident, outcome="rectify", due=due.isoformat(),
                       remarks="专职人员资格证明不全")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "open" and response.json["due"] == due.isoformat()
    assert response.json["rectify_due"] == due.isoformat() and response.json["days_left"] == 15
    # Checked again after the rectification: now it passes.
    again = outcome(api, people, ident, outcome="passed", version=response.json["version"])
    assert again.status_code == 200 and again.json["status"] == "closed"
    assert [row[2] for row in audit_rows(app, "inspection")] == ["open", "open", "closed"]
    assert outcome(api, people, ident, outcome="nope").status_code in (409, 422)


def test_revoke_ends_the_licence_and_lists_the_agency(app, api, people, granted):
    case = granted()
    ident = inspection_id(app)
    response = outcome(api, people, ident, outcome="revoke", remarks="经营场所与承诺不符")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "closed" and response.json["outcome"] == "revoke"
    assert response.json["license_status"] == "revoked"
    assert response.json["license_status_label"] == "已撤销"
    assert response.json["revocation_document"].startswith("津人社许注字〔")
    with app.app_context():
        revocation = db.session.scalar(select(Revocation))
        assert revocation.ground == "R03" and revocation.license_id == case["result"]["license_id"]
        licence = db.session.get(License, revocation.license_id)
        assert licence.status == "revoked" and licence.status_reason == "被撤销"
        entry = db.session.scalar(select(Exclusion))
        assert entry.credit_code == CLERK_CODE and entry.reason == "false_promise"
        assert entry.inspection_id == ident and entry.ends_on is None
    assert ("revoke", "valid", "revoked") in audit_rows(app, "license")
    assert audit_rows(app, "exclusion") == [("exclude", None, "active")]
    # The agency can no longer choose 告知承诺制.
    refused = api.create("licensing", commitment_body())
    assert refused.status_code == 422 and "虚假承诺" in refused.json["error"]["fields"]["procedure"]


def test_another_districts_inspection_is_404(app, api, people, granted):
    granted()
    ident = inspection_id(app)
    assert outcome(api, people, ident, HX, outcome="passed").status_code == 404
    assert outcome(api, people, 999999, outcome="passed").status_code == 404
    hx = people.officer("HRM_GL", HX)
    assert api.client.get("/api/v1/inspections", headers=hx).json["total"] == 0
    assert api.client.get("/api/v1/inspections",
                          headers=people.officer("HRM_GL", CITY)).json["total"] == 1


def test_the_endpoints_need_revocation_manage(api, people):
    for role in ("HRM_SL", "HRM_SH", "HRM_CX", "HRM_JG"):
        headers = people.officer(role, HP) if role != "HRM_JG" else people.clerk()
        assert api.client.get("/api/v1/inspections", headers=headers).status_code == 403
        assert api.client.get("/api/v1/exclusions", headers=headers).status_code == 403


def test_grant_is_refused_once_the_agency_is_listed(app, api, people):
    created = api.create("licensing", commitment_body(), submit=True)
    api.client.post("/api/v1/exclusions", json={
        "credit_code": CLERK_CODE, "agency_name": "津和人力资源服务有限公司",
        "reason": "serious_dishonesty"}, headers=people.officer("HRM_GL", HP))
    response = api.act("licensing", created.json["id"], "grant", people.officer("HRM_SL", HP))
    assert response.status_code == 409 and "告知承诺黑名单" in response.json["error"]["message"]
    # The ordinary 受理 remains.
    assert api.act("licensing", created.json["id"], "accept",
                   people.officer("HRM_SL", HP)).status_code == 200
