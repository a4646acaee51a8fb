"""Expiry (computed and recorded), 长期, the daily command, and 延续 (renewal) with its window."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal_plugin.core.clock import today
from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency, AuditEvent, License
from tests.conftest import csrf_token_from
from tests.kit import (
    CLERK_CODE,
    HP,
    HX,
    OTHER_CODE,
    Api,
    People,
    add_agency,
    add_filing,
    add_license,
    agency_body,
    materials_form,
)
from workflows import renewal
from workflows.common import add_years
from workflows.materials import CaseMaterial
from workflows.models import Case

DAY = dt.timedelta(days=1)


def holder(app: Flask, valid_until: dt.date | None, *, filing: bool = False,
           code: str = CLERK_CODE, division: str = HP, number: str = "（津）人服证字〔2021〕第01010001号",
           **fields: Any) -> int:
    """The clerk's agency holding one licence valid until `valid_until` (None: 长期); its id."""
    with app.app_context():
        agency = add_agency(code, division, f"津和人力资源服务有限公司{code[-3:]}")
        license_ = add_license(agency, number, valid_until=valid_until, **fields)
        if filing:
            add_filing(agency, f"津人服备字〔2021〕{code[-4:]}")
        db.session.commit()
        return license_.id


def licence(app: Flask, license_id: int) -> License:
    with app.app_context():
        row = db.session.get(License, license_id)
        assert row is not None
        db.session.expunge(row)
        return row


def events(app: Flask, action: str, object_type: str = "license") -> list[AuditEvent]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == action, AuditEvent.object_type == object_type)
            .order_by(AuditEvent.id)).all()
        for row in rows:
            db.session.expunge(row)
        return list(rows)


def run(app: Flask, day: dt.date) -> str:
    result = app.test_cli_runner().invoke(args=["lifecycle", "run", "--today", day.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output


# --- computed expiry -----------------------------------------------------------------------

def test_a_licence_past_its_end_reads_expired_in_the_list_the_filter_and_the_pages(
        app: Flask, client: FlaskClient, people: People, login_as: Any) -> None:
    expired = holder(app, today() - DAY)
    current = holder(app, today(), code=OTHER_CODE, division=HP,
                     number="（津）人服证字〔2021〕第01010002号")
    manager = people.officer("HRM_GL")
    rows = {r["id"]: r for r in client.get("/api/v1/licenses", headers=manager).json["items"]}
    assert (rows[expired]["status"], rows[expired]["status_label"]) == ("expired", "已过期")
    # The last day of validity is still valid.
    assert (rows[current]["status"], rows[current]["status_label"]) == ("valid", "有效")
    only = client.get("/api/v1/licenses?status=expired", headers=manager).json["items"]
    assert [r["id"] for r in only] == [expired]
    valid = client.get("/api/v1/licenses?status=valid", headers=manager).json["items"]
    assert [r["id"] for r in valid] == [current]
    # Stored, it is still valid until the daily command records it.
    assert licence(app, expired).status == "valid"

    browser = login_as("HRM_GL")
    page = browser.get("/licensing/records?status=expired").get_data(as_text=True)
    assert "（津）人服证字〔2021〕第01010001号" in page and "已过期" in page
    assert "第01010002号" not in page
    with app.app_context():
        agency_id = db.session.get(License, expired).agency_id
    detail = browser.get(f"/agencies/{agency_id}").get_data(as_text=True)
    assert "已过期" in detail


def test_the_clerk_sees_the_expired_status_on_the_home_page(app: Flask, login_as: Any) -> None:
    holder(app, today() - 10 * DAY)
    page = login_as("HRM_JG", org_credit_code=CLERK_CODE).get("/agency/").get_data(
        as_text=True)
    assert "已过期" in page and 'class="button" href="/agency/apply/renewal"' not in page


def test_an_expired_licence_does_not_block_a_new_licensing_application(
        app: Flask, api: Api) -> None:
    old = holder(app, today() - DAY)
    with app.app_context():
        registered = db.session.get(License, old).agency
        body = {"agency": {**agency_body(), "name": registered.name}, "license_items": ["L01"]}
    case = api.bring("licensing", body, "approved")
    assert case["license_number"]
    with app.app_context():
        held = db.session.scalars(select(License).where(License.agency_id == registered.id)
                                  .order_by(License.id)).all()
        assert [lic.effective_status() for lic in held] == ["expired", "valid"]


def test_deregistration_cannot_name_an_expired_licence(app: Flask, api: Api) -> None:
    old = holder(app, today() - DAY, filing=True)
    response = api.create("deregistration", {"targets": [{"kind": "license", "id": old}],
                                             "ground": "D01"})
    assert response.status_code == 422
    assert response.json["error"]["fields"]["targets[0]"] == "该记录已不是有效状态"


# --- 长期 -------------------------------------------------------------------------------

def test_a_permanent_validity_stores_no_end_never_expires_and_cannot_be_renewed(
        make_app: Any, people: People) -> None:
    app = make_app(LICENSE_VALID_YEARS=0)
    api = Api(app.test_client(), people)
    case = api.bring("licensing", {"agency": agency_body(), "license_items": ["L01"]},
                     "approved")
    with app.app_context():
        row = db.session.scalars(select(License).where(
            License.license_number == case["license_number"])).one()
        license_id = row.id
        assert row.valid_until is None
    listed = app.test_client().get("/api/v1/licenses", headers=people.officer("HRM_GL"))
    assert listed.json["items"][0]["valid_until"] is None
    assert "licences expired (已过期): 0" in run(app, today() + 365 * 100 * DAY)
    assert licence(app, license_id).status == "valid"
    refused = api.create("renewal", {"license_id": license_id})
    assert refused.status_code == 422
    assert refused.json["error"]["fields"]["license_id"] == renewal.PERMANENT


# --- the daily command --------------------------------------------------------------------

def test_the_command_records_expiry_audits_it_closes_the_agency_and_is_idempotent(
        app: Flask) -> None:
    end = dt.date(2025, 6, 30)
    lone = holder(app, end)
    kept = holder(app, end, filing=True, code=OTHER_CODE, division=HX,
                  number="（津）人服证字〔2021〕第01030001号")
    before = run(app, end)  # the last day of validity: nothing happens yet
    assert "licences expired (已过期): 0" in before
    output = run(app, end + DAY)
    assert "licences expired (已过期): 2" in output
    assert "agencies deregistered (nothing valid left): 1" in output
    for license_id in (lone, kept):
        row = licence(app, license_id)
        assert (row.status, row.status_reason, row.status_changed_on) == (
            "expired", "有效期届满", end + DAY)
    expiries = events(app, "expire")
    assert [(e.object_id, e.from_state, e.to_state, e.reason) for e in expiries] == [
        (str(lone), "valid", "expired", "有效期届满"), (str(kept), "valid", "expired", "有效期届满")]
    assert expiries[0].actor_id == "system:lifecycle"
    with app.app_context():
        lone_agency = db.session.get(License, lone).agency
        kept_agency = db.session.get(License, kept).agency
        assert (lone_agency.status, lone_agency.deregistered_on) == ("deregistered", end + DAY)
        assert kept_agency.status == "valid"  # its filing is still valid
        count = db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert [e.object_id for e in events(app, "deregister", "agency")] == [str(lone_agency.id)]

    again = run(app, end + 2 * DAY)
    assert "licences expired (已过期): 0" in again and "deemed granted (视为准予延续): 0" in again
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == count
        assert db.session.get(Agency, lone_agency.id).status == "deregistered"


def test_the_command_refuses_a_malformed_day(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["lifecycle", "run", "--today", "2026-13-01"])
    assert result.exit_code != 0 and "YYYY-MM-DD" in result.output


# --- 延续: the window ---------------------------------------------------------------------

@pytest.mark.parametrize(("days_left", "problem"), [
    (91, "尚未到延续申请期（有效期至前90日起可申请）"),  # the day before the window opens
    (90, None),  # the first day
    (30, None),  # 30 days before expiry: the last day
    (29, "已超过延续申请期限：应在有效期届满30日前提出"),
])
def test_the_renewal_window_edges(app: Flask, api: Api, days_left: int,
                                  problem: str | None) -> None:
    license_id = holder(app, today() + days_left * DAY)
    response = api.create("renewal", {"license_id": license_id, "submit": True})
    if problem is None:
        assert response.status_code == 201, response.json
        assert response.json["status"] == "submitted"
        assert response.json["case_no"].startswith("YX")
    else:
        assert response.status_code == 422
        assert response.json["error"]["fields"] == {"license_id": problem}


def test_the_window_is_configuration(make_app: Any, people: People) -> None:
    app = make_app(RENEWAL_WINDOW_DAYS=120)
    api = Api(app.test_client(), people)
    license_id = holder(app, today() + 121 * DAY)
    response = api.create("renewal", {"license_id": license_id})
    assert response.json["error"]["fields"]["license_id"] == "尚未到延续申请期（有效期至前120日起可申请）"
    with app.app_context():
        db.session.get(License, license_id).valid_until = today() + 120 * DAY
        db.session.commit()
    assert api.create("renewal", {"license_id": license_id}).status_code == 201


def test_only_the_clerks_own_licence_in_force_and_one_open_renewal(
        app: Flask, api: Api) -> None:
    own = holder(app, today() + 60 * DAY)
    other = holder(app, today() + 60 * DAY, code=OTHER_CODE, division=HX,
                   number="（津）人服证字〔2021〕第01030001号")
    foreign = api.create("renewal", {"license_id": other})
    assert foreign.json["error"]["fields"]["license_id"] == "不是本机构的许可证"
    assert api.create("renewal", {"license_id": "x"}).status_code == 422
    assert api.create("renewal", {"license_id": own}).status_code == 201
    second = api.create("renewal", {"license_id": own})
    assert second.status_code == 422
    assert second.json["error"]["fields"]["license_id"] == "该许可证已有办理中的延续申请"


def test_a_draft_submitted_after_the_window_closed_is_refused(app: Flask, api: Api) -> None:
    license_id = holder(app, today() + 40 * DAY)
    draft = api.create("renewal", {"license_id": license_id}).json
    with app.app_context():
        db.session.get(License, license_id).valid_until = today() + 29 * DAY
        db.session.commit()
    response = api.act("renewal", draft["id"], "submit", api.people.clerk())
    assert response.status_code == 422
    assert response.json["error"]["fields"]["license_id"].startswith("已超过延续申请期限")


# --- 延续: approval and deemed approval ----------------------------------------------------

def test_approval_extends_the_same_licence_from_its_old_end_and_numbers_the_decision(
        app: Flask, api: Api, people: People, client: FlaskClient, login_as: Any) -> None:
    end = today() + 60 * DAY
    license_id = holder(app, end)
    case = api.bring("renewal", {"license_id": license_id}, "approved")
    new_end = add_years(end + DAY, 5)
    assert licence(app, license_id).valid_until == new_end
    assert case["license_number"] == "（津）人服证字〔2021〕第01010001号"
    assert case["decision_number"].startswith("津人社许准字")
    detail = api.get("renewal", case["id"], people.officer("HRM_CX")).json
    assert detail["result"]["valid_until"] == new_end.isoformat()
    assert detail["result"]["deemed"] is False
    renewed = events(app, "renew")
    assert [(e.object_id, e.data["valid_until_before"], e.data["valid_until"],
             e.data["decision_number"]) for e in renewed] == [
        (str(license_id), end.isoformat(), new_end.isoformat(), case["decision_number"])]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(License)) == 1
    page = login_as("HRM_JG").get(f"/agency/cases/renewal/{case['id']}").get_data(as_text=True)
    assert "准予延续" in page and new_end.isoformat() in page
    assert case["decision_number"] in page


def test_an_undecided_renewal_at_expiry_is_deemed_granted_by_the_command(
        app: Flask, api: Api, people: People) -> None:
    end = today() + 45 * DAY
    license_id = holder(app, end)
    waiting = api.bring("renewal", {"license_id": license_id}, "pending_review")
    assert "deemed granted (视为准予延续): 0" in run(app, end)  # still within validity
    output = run(app, end + DAY)
    assert "deemed granted (视为准予延续): 1" in output
    assert "licences expired (已过期): 0" in output
    row = licence(app, license_id)
    assert (row.status, row.valid_until) == ("valid", add_years(end + DAY, 5))
    case = api.get("renewal", waiting["id"], people.officer("HRM_SH")).json
    assert case["status"] == "approved" and case["result"]["deemed"] is True
    assert case["decision_number"]
    assert [e["action"] for e in case["events"]][-1] == "deem"
    deemed = events(app, "deem", "case")
    assert deemed[0].reason.startswith("有效期届满前未作出决定，视为准予延续")
    assert events(app, "renew")[0].data["deemed"] is True
    # Idempotent: a second run neither deems nor expires anything.
    again = run(app, end + DAY)
    assert "deemed granted (视为准予延续): 0" in again and "expired (已过期): 0" in again
    with app.app_context():
        assert db.session.get(Case, waiting["id"]).version == case["version"]


def test_a_returned_renewal_is_not_deemed_and_its_licence_expires(app: Flask, api: Api) -> None:
    end = today() + 45 * DAY
    license_id = holder(app, end)
    api.bring("renewal", {"license_id": license_id}, "returned")
    output = run(app, end + DAY)
    assert "deemed granted (视为准予延续): 0" in output and "expired (已过期): 1" in output
    assert licence(app, license_id).status == "expired"


# --- 即将到期 -------------------------------------------------------------------------------

def test_expiring_within_lists_licences_in_force_ending_soon(
        app: Flask, client: FlaskClient, people: People, login_as: Any) -> None:
    soon = holder(app, today() + 10 * DAY)
    later = holder(app, today() + 80 * DAY, code=OTHER_CODE, division=HP,
                   number="（津）人服证字〔2021〕第01010002号")
    holder(app, today() + 200 * DAY, code="91120101MA0000001X", division=HP,
           number="（津）人服证字〔2021〕第01010003号")
    holder(app, today() - DAY, code="91120101MA0000002X", division=HP,
           number="（津）人服证字〔2021〕第01010004号")
    holder(app, today() + 5 * DAY, code="91120103MA0000003X", division=HX,
           number="（津）人服证字〔2021〕第01030009号")
    manager = people.officer("HRM_GL")
    found = client.get("/api/v1/licenses?expiring_within=90", headers=manager).json
    assert sorted(r["id"] for r in found["items"]) == sorted([soon, later])
    bad = client.get("/api/v1/licenses?expiring_within=-1", headers=manager)
    assert bad.status_code == 422 and "expiring_within" in bad.json["error"]["fields"]

    browser = login_as("HRM_GL")
    page = browser.get("/licensing/expiring").get_data(as_text=True)
    assert page.index("第01010001号") < page.index("第01010002号")
    assert "10天" in page and "80天" in page
    assert "第01010003号" not in page and "第01010004号" not in page
    assert "第01030009号" not in page  # another district
    latest_first = browser.get("/licensing/expiring?order=desc").get_data(as_text=True)
    assert latest_first.index("第01010002号") < latest_first.index("第01010001号")
    workbench = browser.get("/").get_data(as_text=True)
    assert "90日内到期的许可证" in workbench and ">2</strong>" in workbench


def test_the_clerk_home_shows_the_expiry_and_offers_renewal_inside_the_window(
        app: Flask, login_as: Any) -> None:
    license_id = holder(app, today() + 60 * DAY)
    clerk = login_as("HRM_JG", org_credit_code=CLERK_CODE)
    home = clerk.get("/agency/").get_data(as_text=True)
    assert (today() + 60 * DAY).isoformat() in home and "剩余 60 天" in home
    assert 'class="button" href="/agency/apply/renewal"' in home
    form = clerk.get("/agency/apply/renewal").get_data(as_text=True)
    assert f'value="{license_id}"' in form and "第01010001号" in form
    token = csrf_token_from(form)
    saved = clerk.post("/agency/apply/renewal", data={"csrf_token": token,
                                                     "license_id": str(license_id),
                                                     "intent": "submit",
                                                     **materials_form("renewal")})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    busy = clerk.get("/agency/").get_data(as_text=True)
    assert "（延续申请办理中）" in busy and 'class="button" href="/agency/apply/renewal"' not in busy
    with app.app_context():  # the renewal (and its materials) withdrawn from the database
        db.session.execute(CaseMaterial.__table__.delete())
        db.session.execute(Case.__table__.delete())
        db.session.commit()
    with app.app_context():
        db.session.get(License, license_id).valid_until = today() + 200 * DAY
        db.session.commit()
    later = clerk.get("/agency/").get_data(as_text=True)
    assert "剩余 200 天" in later and 'class="button" href="/agency/apply/renewal"' not in later


def test_the_renewal_case_page_shows_the_licence_it_renews(
        app: Flask, api: Api, login_as: Any) -> None:
    end = today() + 60 * DAY
    license_id = holder(app, end)
    case = api.bring("renewal", {"license_id": license_id}, "submitted")
    page = login_as("HRM_SL").get(f"/cases/renewal/{case['id']}").get_data(as_text=True)
    assert "第01010001号" in page and end.isoformat() in page
    assert login_as("HRM_SL", division=HX).get(
        f"/cases/renewal/{case['id']}").status_code == 404
    menu = login_as("HRM_SL").get("/").get_data(as_text=True)
    assert "行政许可延续受理" in menu


def test_annual_report_missing_counts_licences_held_during_the_year_only(
        app: Flask, client: FlaskClient, people: People) -> None:
    from tests.kit import YEAR
    holder(app, dt.date(YEAR - 1, 12, 31))  # expired before the year began
    holder(app, dt.date(YEAR, 6, 30), code=OTHER_CODE, division=HP,
           number="（津）人服证字〔2021〕第01010002号")  # held for half of it
    response = client.get(f"/api/v1/annual-reports/missing?year={YEAR}",
                          headers=people.officer("HRM_GL"))
    assert response.status_code == 200, response.json
    codes = [row["agency"]["credit_code"] if "agency" in row else row.get("credit_code")
             for row in response.json["items"]]
    assert codes == [OTHER_CODE]


def test_the_demo_holds_an_expiring_an_expired_licence_and_a_renewal_in_progress(
        app: Flask, runner: Any) -> None:
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    with app.app_context():
        day = today()
        licences = db.session.scalars(select(License)).all()
        statuses = [lic.effective_status(day) for lic in licences]
        assert "expired" in statuses
        assert any(lic.status == "expired" for lic in licences)  # one recorded as the run does
        assert any(lic.is_in_force(day) and renewal.renewable(lic, day) for lic in licences)
        waiting = db.session.scalars(select(Case).where(Case.workflow == "renewal")).all()
        assert {c.status for c in waiting} == {"submitted", "pending_review"}
    assert runner.invoke(args=["demo-data"]).output.strip() == "demo data: already present"


@pytest.mark.parametrize("recorded", [False, True])
def test_an_expired_licence_is_still_deregistered_for_expiry_without_renewal(
        app: Flask, client: FlaskClient, people: People, recorded: bool) -> None:
    end = today() - 10 * DAY
    license_id = holder(app, end)
    if recorded:
        run(app, today())
    response = client.post("/api/v1/revocations", headers=people.officer("HRM_GL"),
                           json={"license_id": license_id, "ground": "R01",
                                 "decision_date": today().isoformat(), "remarks": "有效期届满未延续"})
    assert response.status_code == 201, response.json
    row = licence(app, license_id)
    assert (row.status, row.status_reason) == ("deregistered", "有效期届满未延续")
