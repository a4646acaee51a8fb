"""What approval does to the registry, per workflow: applied once, numbered, all or nothing."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal_plugin.core import audit
from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency, AuditEvent, Filing, License
from tests.kit import CITY, CLERK_CODE, HP, HX, OTHER_CODE, WORKFLOWS, People, agency_body, credit_code
from workflows import numbering
from workflows.documents import SERIES
from workflows.models import Counter


def local_today() -> dt.date:
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()


YEAR = local_today().year


def sequence(pattern: str, number: str | None) -> int:
    """The sequence number of `number`, which must match `pattern` (one group)."""
    assert number is not None
    match = re.fullmatch(pattern, number)
    assert match, (number, pattern)
    return int(match.group(1))


def license_seq(number: str | None, district: str = "0101") -> int:
    return sequence(rf"（津）人服证字〔{YEAR}〕第{district}(\d{{4}})号", number)


def decision_seq(number: str | None, district: str = "0101") -> int:
    return sequence(rf"津人社许准字〔{YEAR}〕{district}-([1-9]\d*)号", number)


def filing_seq(number: str | None, district: str = "0101") -> int:
    return sequence(rf"津人服备字〔{YEAR}〕第{district}(\d{{4}})号", number)


def deregistration_seq(number: str | None, district: str = "0101") -> int:
    return sequence(rf"津人社许注字〔{YEAR}〕{district}-([1-9]\d*)号", number)


def five_years_less_a_day(day: dt.date) -> dt.date:
    return dt.date(day.year + 5, day.month, day.day) - dt.timedelta(days=1)


def agency_row(app: Flask, code: str) -> dict[str, Any] | None:
    with app.app_context():
        agency = db.session.scalar(select(Agency).where(Agency.credit_code == code))
        if agency is None:
            return None
        return {column.key: getattr(agency, column.key) for column in Agency.__table__.columns}


def records(app: Flask, model: type[License] | type[Filing], code: str) -> list[dict[str, Any]]:
    """The licences or filings of the agency with this credit code, oldest first."""
    with app.app_context():
        rows = db.session.scalars(select(model).join(Agency, model.agency_id == Agency.id)
                                  .where(Agency.credit_code == code).order_by(model.id)).all()
        return [{column.key: getattr(row, column.key) for column in model.__table__.columns}
                for row in rows]


def count(app: Flask, model: type, *where: Any) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def registry_state(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every registry row and registry number counter (case and document numbers aside)."""
    with app.app_context():
        def rows(model: type) -> list[tuple[Any, ...]]:
            table = model.__table__
            keys = [c for c in table.columns if c.key not in ("created_at", "updated_at")]
            return [tuple(row) for row in db.session.execute(
                select(*keys).order_by(*table.primary_key.columns)).all()]

        state = {model.__name__: rows(model) for model in (Agency, License, Filing, Counter)}
        # The series of the documents a decision issues (受理通知书 …) are not registry numbers.
        documents = ("case", *SERIES)
        state["Counter"] = [row for row in state["Counter"]
                            if row[0].split(":", 1)[0] not in documents]
        return state


def approve_events(app: Flask, case_id: int) -> int:
    return count(app, AuditEvent, AuditEvent.object_type == "case",
                 AuditEvent.object_id == str(case_id), AuditEvent.action == "approve")


def detail(api: Any, wf: str, case: dict[str, Any], clerk: str) -> dict[str, Any]:
    response = api.get(wf, case["id"], api.people.clerk(clerk))
    assert response.status_code == 200, response.json
    return response.json


def licenses_api(api: Any, people: People, q: str, division: str = CITY) -> dict[str, Any]:
    response = api.client.get("/api/v1/licenses", query_string={"q": q},
                              headers=people.officer("HRM_CX", division))
    assert response.status_code == 200, response.json
    return response.json


def filings_api(api: Any, people: People, q: str, division: str = CITY) -> dict[str, Any]:
    response = api.client.get("/api/v1/filings", query_string={"q": q},
                              headers=people.officer("HRM_CX", division))
    assert response.status_code == 200, response.json
    return response.json


# -- licensing -------------------------------------------------------------------------------

def test_licensing_approval_creates_the_agency_with_its_licence(app, api, people, case_in):
    case, code = case_in("licensing", "approved")
    today = local_today()
    applied = agency_body(code)
    assert license_seq(case["license_number"]) == 1
    assert decision_seq(case["decision_number"]) == 1

    agency = agency_row(app, code)
    assert agency is not None
    assert agency["source"] == "application" and agency["status"] == "valid"
    assert agency["deregistered_on"] is None and agency["parent_id"] is None
    assert agency["division_code"] == HP
    for key in ("name", "agency_type", "address", "legal_rep", "legal_rep_id_type",
                "legal_rep_id_no", "contact", "phone"):
        assert agency[key] == applied[key], key
    [license_] = records(app, License, code)
    assert license_["agency_id"] == agency["id"]
    assert license_["license_number"] == case["license_number"]
    assert license_["decision_number"] == case["decision_number"]
    assert license_["items"] == ["L01", "L02"]
    assert license_["status"] == "valid" and license_["source"] == "application"
    assert license_["issued_on"] == today
    assert license_["valid_until"] == five_years_less_a_day(today)
    assert license_["issuing_division"] == HP
    assert license_["issuing_authority"] == "天津市和平区人力资源和社会保障局"
    assert records(app, Filing, code) == []

    found = licenses_api(api, people, code, HP)
    assert found["total"] == 1
    [row] = found["items"]
    assert row["license_number"] == case["license_number"]
    assert row["decision_number"] == case["decision_number"]
    assert row["agency"]["credit_code"] == code and row["agency"]["name"] == applied["name"]
    assert row["items"] == ["L01", "L02"]
    assert (row["status"], row["status_label"]) == ("valid", "有效")
    assert row["valid_until"] == five_years_less_a_day(today).isoformat()

    result = detail(api, "licensing", case, code)["result"]
    assert result["license_id"] == license_["id"] and result["agency_id"] == agency["id"]
    assert "agency_changes" not in result
    assert approve_events(app, case["id"]) == 1


def test_licensing_updates_an_agency_the_registry_holds_already(app, api, people):
    """Its contact details, that is: registered facts change only through 事项变更 (issue 11;
    tests/workflows/test_registry_facts.py)."""
    code = credit_code(4242)
    filed = api.bring("filing", {"agency": agency_body(code), "filing_items": ["F01"]},
                      "approved", clerk=code)
    agency_id = agency_row(app, code)["id"]
    moved = agency_body(code, name="改名人力资源服务有限公司", address="天津市和平区新址1号")
    refused = api.create("licensing", {"agency": moved, "license_items": ["L03"]}, code)
    assert refused.status_code == 422
    assert set(refused.json["error"]["fields"]) == {"agency.name", "agency.address"}
    updated = agency_body(code, phone="13900002222")
    licensed = api.bring("licensing", {"agency": updated, "license_items": ["L03"]},
                         "approved", clerk=code)

    assert count(app, Agency, Agency.credit_code == code) == 1
    agency = agency_row(app, code)
    assert agency["id"] == agency_id
    assert (agency["name"], agency["phone"]) == (updated["name"], "13900002222")
    assert [r["items"] for r in records(app, License, code)] == [["L03"]]
    assert [r["filing_number"] for r in records(app, Filing, code)] == [filed["filing_number"]]
    result = detail(api, "licensing", licensed, code)["result"]
    assert result["agency_id"] == agency_id
    old = agency_body(code)
    assert result["agency_changes"] == {
        "before": {"phone": old["phone"]}, "after": {"phone": "13900002222"}}


def test_licensing_brings_a_deregistered_agency_back(app, api, people, registered):
    registered()
    targets = [{"kind": "license", "id": records(app, License, CLERK_CODE)[0]["id"]},
               {"kind": "filing", "id": records(app, Filing, CLERK_CODE)[0]["id"]}]
    api.bring("deregistration", {"targets": targets, "ground": "D01"}, "approved")
    assert agency_row(app, CLERK_CODE)["status"] == "deregistered"

    case = api.bring("licensing", {"agency": agency_body(), "license_items": ["L05"]},
                     "approved")
    assert count(app, Agency, Agency.credit_code == CLERK_CODE) == 1
    agency = agency_row(app, CLERK_CODE)
    assert (agency["status"], agency["deregistered_on"]) == ("valid", None)
    assert [(r["status"], r["items"]) for r in records(app, License, CLERK_CODE)] == [
        ("deregistered", ["L01", "L02"]), ("valid", ["L05"])]
    assert license_seq(case["license_number"]) == 2


def test_a_licence_is_issued_once(app, api, people, case_in, bodies):
    case, code = case_in("licensing", "approved")
    again = api.act("licensing", case["id"], "approve", people.officer("HRM_SH"))
    assert again.status_code == 409, again.json
    second = api.create("licensing", bodies("licensing", code), clerk=code)
    assert second.status_code == 422, second.json
    assert "agency" in second.json["error"]["fields"]
    assert len(records(app, License, code)) == 1
    assert count(app, Agency, Agency.credit_code == code) == 1
    assert approve_events(app, case["id"]) == 1
    assert licenses_api(api, people, code)["total"] == 1


# -- filing ----------------------------------------------------------------------------------

def test_filing_approval_records_the_filing(app, api, people, case_in):
    case, code = case_in("filing", "approved")
    assert filing_seq(case["filing_number"]) == 1
    agency = agency_row(app, code)
    assert agency is not None and agency["source"] == "application"
    assert agency["status"] == "valid" and agency["division_code"] == HP
    [filing] = records(app, Filing, code)
    assert filing["filing_number"] == case["filing_number"]
    assert filing["items"] == ["F01", "F03"]
    assert (filing["status"], filing["source"]) == ("valid", "application")
    assert filing["filed_on"] == local_today()
    assert records(app, License, code) == []
    [row] = filings_api(api, people, code, HP)["items"]
    assert row["filing_number"] == case["filing_number"] and row["items"] == ["F01", "F03"]
    assert (row["status"], row["status_label"]) == ("valid", "有效")
    result = detail(api, "filing", case, code)["result"]
    assert result["filing_id"] == filing["id"] and result["agency_id"] == agency["id"]


# -- change ----------------------------------------------------------------------------------

def test_change_approval_applies_every_change_and_keeps_before_and_after(app, api, registered):
    registered()
    old = agency_body()
    changes = {"name": "津和新名人力资源有限公司", "address": "天津市和平区南京路100号",
               "legal_rep": "王芳", "legal_rep_id_type": "passport",
               "legal_rep_id_no": "E12345678", "agency_type": "T01",
               "license_items": ["L01", "L03", "L04"], "filing_items": ["F02"]}
    agency_id = agency_row(app, CLERK_CODE)["id"]
    case = api.bring("change", {"changes": changes}, "approved")

    agency = agency_row(app, CLERK_CODE)
    assert agency["id"] == agency_id and agency["status"] == "valid"
    for key in ("name", "address", "legal_rep", "legal_rep_id_type", "legal_rep_id_no",
                "agency_type"):
        assert agency[key] == changes[key], key
    assert agency["division_code"] == HP and agency["phone"] == old["phone"]  # untouched
    [license_] = records(app, License, CLERK_CODE)
    [filing] = records(app, Filing, CLERK_CODE)
    assert license_["items"] == ["L01", "L03", "L04"] and license_["status"] == "valid"
    assert filing["items"] == ["F02"] and filing["status"] == "valid"
    assert count(app, Agency) == 1

    result = detail(api, "change", case, CLERK_CODE)["result"]
    assert result["agency_id"] == agency_id
    assert result["after"] == changes
    assert result["before"] == {
        "name": old["name"], "address": old["address"], "legal_rep": old["legal_rep"],
        "legal_rep_id_type": "resident_id", "legal_rep_id_no": old["legal_rep_id_no"],
        "agency_type": "T02", "license_items": ["L01", "L02"], "filing_items": ["F01", "F03"]}


@pytest.mark.parametrize(("changes", "field"), [
    ({"name": agency_body()["name"]}, "changes.name"),
    ({"address": "天津市测试路1号", "legal_rep": "王芳"}, "changes.address"),
    ({"agency_type": "T02"}, "changes.agency_type"),
    ({"license_items": ["L01", "L02"]}, "changes.license_items"),
    ({"filing_items": ["F01", "F03", "F01"]}, "changes.filing_items"),
    ({"license_items": ["L02", "L01"]}, "changes.license_items"),
], ids=["name", "address", "agency_type", "license_items", "filing_items-repeated",
        "license_items-reordered"])
def test_a_change_to_the_registered_values_is_invalid(api, registered, changes, field):
    registered()
    response = api.create("change", {"changes": changes})
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"]


@pytest.mark.parametrize(("missing", "field"), [("license", "license_items"),
                                                ("filing", "filing_items")])
def test_changing_items_of_a_record_the_agency_lacks_is_invalid(app, api, registered, missing,
                                                                field):
    registered(license=missing != "license", filing=missing != "filing")
    response = api.create("change", {"changes": {field: ["L01"] if missing == "license"
                                                 else ["F01"]}})
    assert response.status_code == 422, response.json
    assert f"changes.{field}" in response.json["error"]["fields"]


@pytest.mark.parametrize("state", ["rejected", "refused"])
def test_a_change_not_approved_leaves_the_registry_untouched(app, api, registered, state):
    registered()
    before = registry_state(app)
    case = api.bring("change", {"changes": {"name": "不会生效的名称", "license_items": ["L05"]}},
                     state)
    assert registry_state(app) == before
    assert detail(api, "change", case, CLERK_CODE)["result"] is None


def test_a_change_whose_record_went_away_meanwhile_applies_nothing(app, api, people,
                                                                  registered):
    """The name is set before the licence is found gone: the 409 must undo it as well."""
    registered()
    change = api.bring("change", {"changes": {"name": "半途而废的名称", "license_items": ["L05"]}},
                       "pending_review")
    license_id = records(app, License, CLERK_CODE)[0]["id"]
    api.bring("deregistration", {"targets": [{"kind": "license", "id": license_id}],
                                 "ground": "D01"}, "approved")
    before = registry_state(app)
    response = api.act("change", change["id"], "approve", people.officer("HRM_SH"))
    assert response.status_code == 409, response.json
    assert registry_state(app) == before
    assert agency_row(app, CLERK_CODE)["name"] == agency_body()["name"]
    assert detail(api, "change", change, CLERK_CODE)["status"] == "pending_review"
    assert approve_events(app, change["id"]) == 0


# -- branch ----------------------------------------------------------------------------------

def test_branch_approval_creates_the_branch_with_its_own_records(app, api, people, case_in):
    case, _ = case_in("branch", "approved")
    branch_code = case["application"]["branch"]["credit_code"]
    parent = agency_row(app, CLERK_CODE)
    branch = agency_row(app, branch_code)
    assert branch is not None
    assert branch["parent_id"] == parent["id"] and branch["id"] != parent["id"]
    assert branch["division_code"] == HX
    assert (branch["name"], branch["source"], branch["status"]) == (
        "河西分公司", "application", "valid")

    [parent_license] = records(app, License, CLERK_CODE)
    [parent_filing] = records(app, Filing, CLERK_CODE)
    [license_] = records(app, License, branch_code)
    [filing] = records(app, Filing, branch_code)
    assert license_seq(license_["license_number"], "0103") == 1  # 河西区's own series
    assert filing_seq(filing["filing_number"], "0103") == 1
    assert license_["items"] == parent_license["items"] == ["L01", "L02"]
    assert filing["items"] == parent_filing["items"] == ["F01", "F03"]
    assert license_["issuing_division"] == HX and license_["status"] == "valid"
    assert license_["valid_until"] == parent_license["valid_until"]
    assert license_["id"] != parent_license["id"] and filing["id"] != parent_filing["id"]
    assert case["license_number"] == license_["license_number"]
    assert case["filing_number"] == filing["filing_number"]
    result = detail(api, "branch", case, CLERK_CODE)["result"]
    assert (result["agency_id"], result["parent_id"]) == (branch["id"], parent["id"])
    assert licenses_api(api, people, branch_code, HX)["total"] == 1


def test_branch_credit_code_must_be_new(app, api, registered):
    registered()
    registered(OTHER_CODE, HX, filing=False)
    for code in (CLERK_CODE, OTHER_CODE):
        response = api.create("branch", {"branch": agency_body(code, HX, name="河西分公司")})
        assert response.status_code == 422, (code, response.json)
        assert "branch.credit_code" in response.json["error"]["fields"]


def test_branch_registered_meanwhile_is_not_created_twice(app, api, people, case_in):
    case, _ = case_in("branch", "pending_review")
    branch_code = case["application"]["branch"]["credit_code"]
    api.bring("licensing", {"agency": agency_body(branch_code, HX), "license_items": ["L01"]},
              "approved", clerk=branch_code, division=HX)
    response = api.act("branch", case["id"], "approve", people.officer("HRM_SH", HX))
    assert response.status_code == 409, response.json
    assert detail(api, "branch", case, CLERK_CODE)["status"] == "pending_review"
    assert agency_row(app, branch_code)["parent_id"] is None
    assert len(records(app, License, branch_code)) == 1


# -- deregistration --------------------------------------------------------------------------

def test_deregistering_the_licence_only_keeps_the_agency(app, api, people, case_in):
    case, clerk = case_in("deregistration", "approved")  # the licence, ground D01
    [license_] = records(app, License, clerk)
    assert license_["status"] == "deregistered"
    assert license_["status_reason"] == "机构主动申请注销"
    assert license_["status_changed_on"] == local_today()
    assert deregistration_seq(license_["status_document_no"]) == 1
    assert case["document_number"] == license_["status_document_no"]
    [filing] = records(app, Filing, clerk)
    assert filing["status"] == "valid" and filing["status_reason"] is None
    agency = agency_row(app, clerk)
    assert (agency["status"], agency["deregistered_on"]) == ("valid", None)
    [row] = licenses_api(api, people, clerk)["items"]
    assert (row["status"], row["status_label"]) == ("deregistered", "已注销")
    result = detail(api, "deregistration", case, clerk)["result"]
    assert result["deregistered"] == [{"kind": "license", "id": license_["id"]}]
    assert result["agency_deregistered"] is False


@pytest.mark.parametrize("together", [True, False], ids=["one-case", "two-cases"])
def test_deregistering_licence_and_filing_closes_the_agency(app, api, registered, together):
    registered()
    license_id = records(app, License, CLERK_CODE)[0]["id"]
    filing_id = records(app, Filing, CLERK_CODE)[0]["id"]
    license_target = {"kind": "license", "id": license_id}
    filing_target = {"kind": "filing", "id": filing_id}
    if together:
        cases = [api.bring("deregistration", {"targets": [license_target, filing_target],
                                              "ground": "D03"}, "approved")]
    else:
        cases = [api.bring("deregistration", {"targets": [license_target], "ground": "D03"},
                           "approved")]
        assert agency_row(app, CLERK_CODE)["status"] == "valid"
        cases.append(api.bring("deregistration", {"targets": [filing_target], "ground": "D03"},
                               "approved"))
    agency = agency_row(app, CLERK_CODE)
    assert (agency["status"], agency["deregistered_on"]) == ("deregistered", local_today())
    [license_] = records(app, License, CLERK_CODE)
    [filing] = records(app, Filing, CLERK_CODE)
    assert (license_["status"], filing["status"]) == ("deregistered", "deregistered")
    assert license_["status_reason"] == filing["status_reason"] == "不再从事相关业务"
    assert filing["status_changed_on"] == local_today()
    assert [deregistration_seq(c["document_number"]) for c in cases] == list(
        range(1, len(cases) + 1))
    assert deregistration_seq(license_["status_document_no"]) == 1
    last = detail(api, "deregistration", cases[-1], CLERK_CODE)["result"]
    assert last["agency_deregistered"] is True


def test_deregistration_targets_must_be_own_valid_records(app, api, registered):
    registered()
    registered(OTHER_CODE, HX, filing=False)
    own_license = records(app, License, CLERK_CODE)[0]["id"]
    own_filing = records(app, Filing, CLERK_CODE)[0]["id"]
    others_license = records(app, License, OTHER_CODE)[0]["id"]
    bad = [
        ([{"kind": "license", "id": others_license}], "targets[0]"),
        ([{"kind": "filing", "id": own_license + own_filing + 1000}], "targets[0]"),
        ([{"kind": "licence", "id": own_license}], "targets[0]"),
        ([{"kind": "license", "id": own_license}, {"kind": "license", "id": others_license}],
         "targets[1]"),
        ([{"kind": "license", "id": str(own_license)}], "targets[0]"),
        ([], "targets"),
    ]
    before = registry_state(app)
    for targets, field in bad:
        response = api.create("deregistration", {"targets": targets, "ground": "D01"})
        assert response.status_code == 422, (targets, response.json)
        assert field in response.json["error"]["fields"], (targets, response.json)
    api.bring("deregistration", {"targets": [{"kind": "license", "id": own_license}],
                                 "ground": "D01"}, "approved")
    response = api.create("deregistration", {"targets": [{"kind": "license", "id": own_license}],
                                             "ground": "D01"})
    assert response.status_code == 422, response.json  # no longer valid
    assert "targets[0]" in response.json["error"]["fields"]
    assert registry_state(app)["Agency"] == before["Agency"]


@pytest.mark.parametrize("state", ["draft", "submitted", "returned", "pending_review"])
def test_a_record_in_an_open_deregistration_case_cannot_be_targeted_again(api, registered,
                                                                          state):
    registered()
    license_id = api.client.get(f"/api/v1/licenses?q={CLERK_CODE}",
                                headers=api.people.officer("HRM_SL")).json["items"][0]["id"]
    body = {"targets": [{"kind": "license", "id": license_id}], "ground": "D01"}
    open_case = api.bring("deregistration", body, state)
    response = api.create("deregistration", body)
    assert response.status_code == 422, response.json
    assert "targets" in response.json["error"]["fields"]
    if state == "draft":
        return
    # Once that case is closed without approval, the record can be requested again.
    if state == "returned":
        assert api.act("deregistration", open_case["id"], "submit",
                       api.people.clerk()).status_code == 200
    close, role = ("refuse", "HRM_SH") if state == "pending_review" else ("reject", "HRM_SL")
    closed = api.act("deregistration", open_case["id"], close, api.people.officer(role))
    assert closed.status_code == 200, closed.json
    assert api.create("deregistration", body).status_code == 201


# -- number series ---------------------------------------------------------------------------

def test_licence_numbers_are_consecutive_per_division(api, people, case_in):
    cases = [case_in("licensing", "approved")[0] for _ in range(3)]
    assert [license_seq(c["license_number"]) for c in cases] == [1, 2, 3]
    assert [decision_seq(c["decision_number"]) for c in cases] == [1, 2, 3]
    code = credit_code(5000, HX)
    hexi = api.bring("licensing", {"agency": agency_body(code, HX), "license_items": ["L01"]},
                     "approved", clerk=code, division=HX)
    assert license_seq(hexi["license_number"], "0103") == 1
    fourth = case_in("licensing", "approved")[0]
    assert license_seq(fourth["license_number"]) == 4


def test_filing_numbers_are_consecutive_per_division(api, people, case_in):
    cases = [case_in("filing", "approved")[0] for _ in range(3)]
    assert [filing_seq(c["filing_number"]) for c in cases] == [1, 2, 3]
    code = credit_code(5000, HX)
    hexi = api.bring("filing", {"agency": agency_body(code, HX), "filing_items": ["F01"]},
                     "approved", clerk=code, division=HX)
    assert filing_seq(hexi["filing_number"], "0103") == 1


def test_a_refused_or_rejected_case_uses_no_number(api, people, case_in):
    case_in("licensing", "refused")
    case_in("licensing", "rejected")
    approved = case_in("licensing", "approved")[0]
    assert license_seq(approved["license_number"]) == 1
    assert decision_seq(approved["decision_number"]) == 1


# -- all or nothing --------------------------------------------------------------------------

def test_a_failing_licence_number_leaves_no_agency_behind(app, api, people, case_in,
                                                           monkeypatch):
    case, code = case_in("licensing", "pending_review")
    reviewer = people.officer("HRM_SH")
    before = detail(api, "licensing", case, code)
    seen: list[bool] = []

    def unavailable(kind: str, division: str, on: dt.date) -> str:
        # The agency has been written in the approving transaction by now.
        seen.append(db.session.scalar(select(Agency).where(Agency.credit_code == code))
                    is not None)
        raise RuntimeError("number series unavailable")

    monkeypatch.setattr(numbering, "issue", unavailable)
    response = api.act("licensing", case["id"], "approve", reviewer)
    assert seen == [True]
    assert response.status_code == 500
    assert response.is_json and "error" in response.json and "status" not in response.json

    after = detail(api, "licensing", case, code)
    assert (after["status"], after["version"], after["result"]) == (
        "pending_review", before["version"], None)
    assert after["events"] == before["events"]
    assert approve_events(app, case["id"]) == 0
    assert agency_row(app, code) is None
    assert count(app, License) == 0

    monkeypatch.undo()
    retried = api.act("licensing", case["id"], "approve", reviewer)
    assert retried.status_code == 200, retried.json
    assert license_seq(retried.json["license_number"]) == 1
    assert count(app, Agency, Agency.credit_code == code) == 1


NUMBER_OF = {
    "licensing": lambda case: license_seq(case["license_number"]),
    "filing": lambda case: filing_seq(case["filing_number"]),
    "change": lambda case: None,
    "branch": lambda case: license_seq(case["license_number"], "0103"),
    "deregistration": lambda case: deregistration_seq(case["document_number"]),
}


@pytest.mark.parametrize("wf", WORKFLOWS)
def test_an_approval_that_fails_at_the_end_rolls_back_every_effect(app, api, people, case_in,
                                                                    monkeypatch, wf):
    """The effect ran in full, then the audit event could not be written: nothing remains."""
    case, clerk = case_in(wf, "pending_review")
    reviewer = people.officer("HRM_SH", HX if wf == "branch" else HP)
    before_case = detail(api, wf, case, clerk)
    before = registry_state(app)
    record = audit.record
    attempts: list[dict[str, Any]] = []

    def failing(identity: Any, action: str, *args: Any, **kwargs: Any) -> Any:
        if action == "approve":
            attempts.append(kwargs["data"])
            raise RuntimeError("audit store unavailable")
        return record(identity, action, *args, **kwargs)

    monkeypatch.setattr(audit, "record", failing)
    response = api.act(wf, case["id"], "approve", reviewer)
    assert len(attempts) == 1 and attempts[0]["case_no"] == case["case_no"]
    assert response.status_code == 500
    assert "status" not in (response.json or {})
    assert registry_state(app) == before
    assert detail(api, wf, case, clerk) == before_case
    assert approve_events(app, case["id"]) == 0

    monkeypatch.undo()
    retried = api.act(wf, case["id"], "approve", reviewer)
    assert retried.status_code == 200, retried.json
    assert retried.json["status"] == "approved"
    assert NUMBER_OF[wf](retried.json) in (None, 1)  # no number was used up by the failure
    assert approve_events(app, case["id"]) == 1


def test_a_record_named_by_an_open_deregistration_cannot_be_named_again(api, registered,
                                                                      bodies) -> None:
    registered()
    body = bodies("deregistration")
    api.bring("deregistration", body, "submitted")
    again = api.create("deregistration", body, submit=True)
    assert again.status_code == 422
    assert again.json["error"]["fields"]["targets"] == "所选记录已有办理中的注销申请"
