"""The JSON API contract (CONTRACT.md "JSON API"): errors, validation, auth, the catalogue, the
OpenAPI document and the case JSON (the permission matrix: tests/test_permission_matrix.py)."""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal_plugin.core.extensions import db
from portal_plugin.core.permissions import DEFAULT_ROLES
from tests.kit import CLERK_CODE, HP, ID_NO, OTHER_CODE, agency_body, credit_code
from workflows.engine import OFFICER_ACTIONS, TRANSITIONS
from workflows.models import Case

CJK = re.compile(r"[\u4e00-\u9fff]")
FOREIGN = "120102"  # 河东区: outside a 和平区 officer's jurisdiction
MISSING_ID = 987654


def case_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Case))


def licensing(**agency: Any) -> dict[str, Any]:
    return {"agency": agency_body(**agency), "license_items": ["L01", "L02"]}


def assert_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    error = response.json["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    return error


def assert_fields(response: Any, *paths: str) -> dict[str, str]:
    """A 422 whose error.fields names each path with a Chinese reason."""
    error = assert_error(response, 422)
    fields = error.get("fields")
    assert isinstance(fields, dict), error
    for path in paths:
        assert path in fields, (path, fields)
        assert CJK.search(fields[path]), (path, fields[path])
    return fields


def bad_check_char(code: str) -> str:
    """The same code with a wrong (but well-formed) last character."""
    return code[:17] + ("1" if code[17] != "1" else "2")


# --- malformed and invalid bodies -------------------------------------------------------------


def test_malformed_json_is_400_with_an_error_object(client: FlaskClient, people, app: Flask) -> None:
    clerk = people.clerk()
    for raw in (b"{", b'{"agency": }', b"\xff\xfe{", b"{'single': 'quotes'}", b'{"a": 1,}'):
        for method, path in (("post", "/api/v1/cases/licensing"),
                             ("post", "/api/v1/cases/licensing/1/submit"),
                             ("put", "/api/v1/cases/licensing/1")):
            response = getattr(client, method)(path, data=raw, content_type="application/json",
                                               headers=clerk)
            error = assert_error(response, 400)
            assert CJK.search(error["message"]), error
    assert case_count(app) == 0


def test_a_json_body_that_is_not_an_object_is_422(client: FlaskClient, people, app: Flask) -> None:
    clerk = people.clerk()
    for raw in ("[]", '[{"agency": {}}]', "null", "42", '"text"', "true"):
        response = client.post("/api/v1/cases/licensing", data=raw,
                               content_type="application/json", headers=clerk)
        assert_fields(response, "body")
    assert case_count(app) == 0


AGENCY_REQUIRED = ("name", "credit_code", "agency_type", "division", "address", "legal_rep",
                   "legal_rep_id_type", "legal_rep_id_no")

# (what is wrong, body, the field paths error.fields must name)
INVALID_LICENSING: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    ("no agency", {"license_items": ["L01"]}, ("agency",)),
    ("agency not an object", {"agency": "和平区某机构", "license_items": ["L01"]}, ("agency",)),
    ("agency empty", {"agency": {}, "license_items": ["L01"]},
     tuple(f"agency.{f}" for f in AGENCY_REQUIRED)),
    ("blank fields", {"agency": agency_body(name="  ", address=None, legal_rep=""),
                      "license_items": ["L01"]},
     ("agency.name", "agency.address", "agency.legal_rep")),
    ("credit code check digit", licensing(credit_code=bad_check_char(CLERK_CODE)),
     ("agency.credit_code",)),
    ("credit code of 17 characters", licensing(credit_code=CLERK_CODE[:17]),
     ("agency.credit_code",)),
    ("credit code with the letter O", licensing(credit_code=CLERK_CODE[:16] + "OP"),
     ("agency.credit_code",)),
    ("credit code of another agency", licensing(credit_code=OTHER_CODE), ("agency.credit_code",)),
    ("ID number check digit", licensing(legal_rep_id_no=ID_NO[:17] + "1"),
     ("agency.legal_rep_id_no",)),
    ("ID number birth month 13", licensing(legal_rep_id_no="110105194913310021"),
     ("agency.legal_rep_id_no",)),
    ("ID number born 1900-02-29", licensing(legal_rep_id_no="110105190002290028"),
     ("agency.legal_rep_id_no",)),
    ("ID number too short", licensing(legal_rep_id_no=ID_NO[:14]), ("agency.legal_rep_id_no",)),
    ("unknown agency type", licensing(agency_type="T99"), ("agency.agency_type",)),
    ("unknown ID type", licensing(legal_rep_id_type="driving_licence"),
     ("agency.legal_rep_id_type",)),
    ("division is the city 120000", licensing(division="120000"), ("agency.division",)),
    ("division is legacy 120108 汉沽区", licensing(division="120108"), ("agency.division",)),
    ("division unknown", licensing(division="999999"), ("agency.division",)),
    ("division a number", licensing(division=120101), ("agency.division",)),
    ("phone malformed", licensing(phone="call me"), ("agency.phone",)),
    ("name too long", licensing(name="名" * 201), ("agency.name",)),
    ("licence items empty", {"agency": agency_body(), "license_items": []}, ("license_items",)),
    ("licence items missing", {"agency": agency_body()}, ("license_items",)),
    ("licence items not a list", {"agency": agency_body(), "license_items": "L01"},
     ("license_items",)),
    ("licence items unknown", {"agency": agency_body(), "license_items": ["L01", "L99"]},
     ("license_items",)),
    ("licence items inactive legacy", {"agency": agency_body(), "license_items": ["L90"]},
     ("license_items",)),
    ("licence items a filing item", {"agency": agency_body(), "license_items": ["F01"]},
     ("license_items",)),
    ("licence items not strings", {"agency": agency_body(), "license_items": [1]},
     ("license_items",)),
    ("every problem at once", {"agency": agency_body(division="120000", agency_type="T99"),
                               "license_items": []},
     ("agency.division", "agency.agency_type", "license_items")),
]


def test_invalid_licensing_bodies_are_422_naming_each_field(client: FlaskClient, people,
                                                            app: Flask) -> None:
    clerk = people.clerk()
    for what, body, paths in INVALID_LICENSING:
        for submit in (False, True):
            response = client.post("/api/v1/cases/licensing", json={**body, "submit": submit},
                                   headers=clerk)
            assert response.status_code == 422, (what, response.json)
            assert_fields(response, *paths)
    assert case_count(app) == 0


def test_invalid_filing_items_are_422(client: FlaskClient, people, app: Flask) -> None:
    clerk = people.clerk()
    for items in ([], ["F99"], "F01", None, ["L01"]):
        response = client.post("/api/v1/cases/filing",
                               json={"agency": agency_body(), "filing_items": items}, headers=clerk)
        assert_fields(response, "filing_items")
    assert case_count(app) == 0


def test_an_invalid_edit_is_422_and_changes_nothing(api, client: FlaskClient, people) -> None:
    clerk = people.clerk()
    draft = api.create("licensing", licensing()).json
    url = f"/api/v1/cases/licensing/{draft['id']}"
    response = client.put(url, json={**licensing(division="120000"), "version": draft["version"]},
                          headers=clerk)
    assert_fields(response, "agency.division")
    assert_fields(client.put(url, json={**licensing(), "version": "1"}, headers=clerk), "version")
    assert_fields(client.put(url, json={"license_items": ["L01"]}, headers=clerk), "agency")
    after = api.get("licensing", draft["id"], clerk).json
    assert after["version"] == draft["version"]
    assert after["application"] == draft["application"]


def test_a_boolean_version_on_edit_is_422(api, client: FlaskClient, people) -> None:
    draft = api.create("licensing", licensing()).json
    response = client.put(f"/api/v1/cases/licensing/{draft['id']}",
                          json={**licensing(), "version": True}, headers=people.clerk())
    assert_fields(response, "version")


INVALID_CHANGES: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    ("no changes object", {}, ("changes",)),
    ("empty changes", {"changes": {}}, ("changes",)),
    ("unknown change key", {"changes": {"colour": "红"}}, ("changes",)),
    ("credit code cannot change", {"changes": {"name": "新名称", "credit_code": CLERK_CODE}},
     ("changes",)),
    # A district move is a change (issue 11; tests/workflows/test_registry_facts.py), to a
    # district that exists.
    ("no such district", {"changes": {"division": "999999"}}, ("changes.division",)),
    ("division unchanged", {"changes": {"division": "120101"}}, ("changes.division",)),
    ("changes not an object", {"changes": "新名称"}, ("changes",)),
    ("bad ID number", {"changes": {"legal_rep_id_no": ID_NO[:17] + "1"}},
     ("changes.legal_rep_id_no",)),
    ("empty licence items", {"changes": {"license_items": []}}, ("changes.license_items",)),
    ("unknown agency type", {"changes": {"agency_type": "T99"}}, ("changes.agency_type",)),
    ("blank name", {"changes": {"name": " "}}, ("changes.name",)),
    ("for another agency", {"agency": {"credit_code": OTHER_CODE}, "changes": {"name": "新名称"}},
     ("agency.credit_code",)),
]


def test_invalid_change_bodies_are_422(client: FlaskClient, people, app: Flask,
                                       registered) -> None:
    registered()
    before = case_count(app)
    clerk = people.clerk()
    for what, body, paths in INVALID_CHANGES:
        response = client.post("/api/v1/cases/change", json=body, headers=clerk)
        assert response.status_code == 422, (what, response.json)
        assert_fields(response, *paths)
    assert case_count(app) == before


def test_malformed_deregistration_targets_are_422(client: FlaskClient, people, app: Flask,
                                                  registered) -> None:
    registered()
    before = case_count(app)
    clerk = people.clerk()
    for targets, path in [
        (None, "targets"), ([], "targets"), ("license", "targets"),
        ({"kind": "license", "id": 1}, "targets"), ([42], "targets[0]"),
        ([{"kind": "car", "id": 1}], "targets[0]"), ([{"kind": "license"}], "targets[0]"),
        ([{"kind": "license", "id": "1"}], "targets[0]"),
        ([{"kind": "license", "id": True}], "targets[0]"),
        ([{"kind": "license", "id": 1.5}], "targets[0]"),
        ([{"kind": "license", "id": MISSING_ID}], "targets[0]"),
        ([{"kind": "license", "id": 1}, {"kind": "filing", "id": "x"}], "targets[1]"),
    ]:
        response = client.post("/api/v1/cases/deregistration",
                               json={"targets": targets, "ground": "D01"}, headers=clerk)
        assert response.status_code == 422, (targets, response.json)
        assert_fields(response, path)
    assert case_count(app) == before


def test_a_deregistration_target_id_out_of_range_is_422(client: FlaskClient, people,
                                                        registered) -> None:
    registered()
    for ident in (2 ** 31, 2 ** 70):
        response = client.post("/api/v1/cases/deregistration",
                               json={"targets": [{"kind": "license", "id": ident}],
                                     "ground": "D01"}, headers=people.clerk())
        assert_fields(response, "targets[0]")


def test_deregistration_needs_a_known_ground(client: FlaskClient, people, app: Flask,
                                             registered) -> None:
    registered()
    license_id = client.get(f"/api/v1/licenses?q={CLERK_CODE}",
                            headers=people.officer("HRM_SL")).json["items"][0]["id"]
    before = case_count(app)
    for ground in (None, "", "D99", "R01", 5):
        response = client.post("/api/v1/cases/deregistration",
                               json={"targets": [{"kind": "license", "id": license_id}],
                                     "ground": ground}, headers=people.clerk())
        assert_fields(response, "ground")
    assert case_count(app) == before


def test_branch_bodies_are_validated(client: FlaskClient, people, app: Flask, registered) -> None:
    registered()
    before = case_count(app)
    clerk = people.clerk()
    assert_fields(client.post("/api/v1/cases/branch", json={}, headers=clerk), "branch")
    response = client.post("/api/v1/cases/branch",
                           json={"branch": agency_body(credit_code(1, "120103"), "120000")},
                           headers=clerk)
    assert_fields(response, "branch.division")
    response = client.post("/api/v1/cases/branch",
                           json={"branch": agency_body(CLERK_CODE, "120103")}, headers=clerk)
    assert_fields(response, "branch.credit_code")
    assert case_count(app) == before


def test_a_registry_workflow_needs_a_registered_agency(client: FlaskClient, people,
                                                       app: Flask) -> None:
    for wf, body in (("change", {"changes": {"name": "新名称"}}),
                     ("branch", {"branch": agency_body(credit_code(2, "120103"), "120103")}),
                     ("deregistration", {"targets": [{"kind": "license", "id": 1}],
                                         "ground": "D01"})):
        response = client.post(f"/api/v1/cases/{wf}", json=body, headers=people.clerk())
        assert_fields(response, "agency")
    assert case_count(app) == 0


# --- bad query strings and URLs ---------------------------------------------------------------


def test_bad_list_parameters_are_422(client: FlaskClient, people) -> None:
    for headers in (people.officer("HRM_SL"), people.clerk()):
        for query, field in [("page=abc", "page"), ("per_page=ten", "per_page"),
                             ("page=1.5", "page"), ("submitted_from=2026-13-01", "submitted_from"),
                             ("submitted_to=2026-02-30", "submitted_to"),
                             ("submitted_from=yesterday", "submitted_from"),
                             ("status=closed", "status")]:
            response = client.get(f"/api/v1/cases/licensing?{query}", headers=headers)
            assert response.status_code == 422, query
            assert_fields(response, field)


def test_bad_registry_parameters_are_422(client: FlaskClient, people) -> None:
    headers = people.officer("HRM_CX")
    for path in ("/api/v1/licenses", "/api/v1/filings"):
        for query, field in (("page=abc", "page"), ("per_page=x", "per_page"),
                             ("status=lost", "status")):
            assert_fields(client.get(f"{path}?{query}", headers=headers), field)


def test_out_of_range_paging_is_clamped(client: FlaskClient, people) -> None:
    headers = people.officer("HRM_SL")
    for path in ("/api/v1/cases/licensing", "/api/v1/licenses", "/api/v1/filings"):
        for query, page, per_page in (("page=0&per_page=0", 1, 1), ("page=-3&per_page=-1", 1, 1),
                                      ("per_page=99999999999999999999", 1, 100),
                                      ("page=-99999999999999999999", 1, 20)):
            response = client.get(f"{path}?{query}", headers=headers)
            assert response.status_code == 200, (path, query)
            assert (response.json["page"], response.json["per_page"]) == (page, per_page)


def test_huge_page_numbers_are_not_a_500(client: FlaskClient, people) -> None:
    headers = people.officer("HRM_SL")
    statuses = {
        (path, query): client.get(f"{path}?{query}", headers=headers).status_code
        for path in ("/api/v1/cases/licensing", "/api/v1/licenses", "/api/v1/filings")
        for query in ("page=99999999999999999999", "page=9223372036854775807")
    }
    assert set(statuses.values()) <= {200, 422}, statuses


def test_unknown_workflow_is_404(client: FlaskClient, people, app: Flask) -> None:
    clerk, officer = people.clerk(), people.officer("HRM_SL")
    for method, path, headers, body in [
        ("post", "/api/v1/cases/permit", clerk, licensing()),
        ("get", "/api/v1/cases/permit", officer, None),
        ("get", "/api/v1/cases/permit/1", officer, None),
        ("put", "/api/v1/cases/permit/1", clerk, licensing()),
        ("post", "/api/v1/cases/permit/1/submit", clerk, {}),
        ("post", "/api/v1/cases/permit/1/accept", officer, {}),
        ("post", "/api/v1/cases/Licensing", clerk, licensing()),
    ]:
        response = getattr(client, method)(path, json=body, headers=headers)
        assert_error(response, 404)
    assert case_count(app) == 0


UNKNOWN_ACTIONS = ("close", "delete", "Accept", "submit2", "approve/")


def test_unknown_action_is_404_and_changes_nothing(api, client: FlaskClient, people) -> None:
    case = api.bring("licensing", licensing(), "submitted")
    officer = people.officer("HRM_SH")
    for action in UNKNOWN_ACTIONS:
        response = client.post(f"/api/v1/cases/licensing/{case['id']}/{action}", json={},
                               headers=officer)
        assert response.status_code == 404, action
    assert api.get("licensing", case["id"], people.clerk()).json["version"] == case["version"]


def test_unknown_action_answers_the_json_error_shape(api, client: FlaskClient, people) -> None:
    case = api.bring("licensing", licensing(), "submitted")
    for action in UNKNOWN_ACTIONS:
        response = client.post(f"/api/v1/cases/licensing/{case['id']}/{action}", json={},
                               headers=people.officer("HRM_SH"))
        assert_error(response, 404)


def test_case_ids_that_do_not_exist_are_404(client: FlaskClient, people) -> None:
    for case_id in (0, 1, MISSING_ID, 2 ** 31 - 1):
        response = client.get(f"/api/v1/cases/licensing/{case_id}",
                              headers=people.officer("HRM_SL"))
        assert_error(response, 404)


def test_case_ids_beyond_the_column_range_are_404(client: FlaskClient, people) -> None:
    for case_id in (2 ** 31, 2 ** 63, 10 ** 30):
        response = client.get(f"/api/v1/cases/licensing/{case_id}",
                              headers=people.officer("HRM_SL"))
        assert_error(response, 404)


def test_deeply_nested_json_is_not_a_500(client: FlaskClient, people, app: Flask) -> None:
    raw = '{"agency": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = client.post("/api/v1/cases/licensing", data=raw, content_type="application/json",
                           headers=people.clerk())
    assert response.status_code in (400, 413, 422), response.status_code
    assert case_count(app) == 0


def test_a_nul_character_in_a_text_field_is_not_a_500(request: pytest.FixtureRequest, database,
                                                      client: FlaskClient, people) -> None:
    response = client.post("/api/v1/cases/licensing",
                           json={**licensing(name="津和\x00人力资源"), "submit": True},
                           headers=people.clerk())
    assert response.status_code in (201, 422), response.status_code


# --- fuzz: random JSON in every field of the licensing body -------------------------------------

LICENSING_FIELDS = ("agency", "license_items", "submit", "version", "unexpected",
                    *(f"agency.{key}" for key in agency_body()))
INTERESTING = ["", " ", "\t\n", "L01", "L90", "T02", "120101", "120000", "resident_id", CLERK_CODE,
               CLERK_CODE.lower(), ID_NO, ID_NO.lower(), "%", "_", "'; DROP TABLE cases; --",
               "<script>alert(1)</script>", "名" * 300, "a" * 5000, "\u202e", "😀", "０１２",
               "null", "[]", "{}"]


def random_json(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(9 if depth < 3 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 1, 2 ** 31, 2 ** 63, -(2 ** 64), 10 ** 40, rng.randint(-999, 999)])
    if kind == 3:
        return rng.choice([0.5, -0.0, 1e308, -1e-308, 3.0])
    if kind == 4:
        return "".join(chr(rng.choice([rng.randrange(32, 127), rng.randrange(0x4e00, 0x9fa5),
                                       rng.randrange(0x80, 0x800)]))
                       for _ in range(rng.randrange(0, 30)))
    if kind == 5:
        return rng.choice(INTERESTING)
    if kind in (6, 7):
        return [random_json(rng, depth + 1) for _ in range(rng.randrange(0, 4))]
    return {rng.choice(["name", "code", "id", "kind", "x", ""]): random_json(rng, depth + 1)
            for _ in range(rng.randrange(0, 4))}


def fuzzed_body(rng: random.Random, first: str) -> dict[str, Any]:
    """A valid body with `first` and up to two other fields replaced by random JSON values."""
    body: dict[str, Any] = {"agency": agency_body(), "license_items": ["L01", "L02"]}
    for field in (first, *rng.sample(LICENSING_FIELDS, rng.randrange(0, 3))):
        value = random_json(rng)
        if field.startswith("agency.") and isinstance(body["agency"], dict):
            key = field.split(".", 1)[1]
            if value is None and rng.random() < 0.5:
                body["agency"].pop(key, None)
            else:
                body["agency"][key] = value
        elif not field.startswith("agency."):
            body[field] = value
    return body


def test_random_values_in_every_field_never_give_500(client: FlaskClient, people) -> None:
    rng = random.Random(20260301)
    headers = people.clerk()
    seen: dict[int, int] = {}
    for iteration in range(200):  # every field first in turn, ~13 times each
        body = fuzzed_body(rng, LICENSING_FIELDS[iteration % len(LICENSING_FIELDS)])
        response = client.post("/api/v1/cases/licensing", json=body, headers=headers)
        seen[response.status_code] = seen.get(response.status_code, 0) + 1
        assert response.status_code in (201, 400, 422), (response.status_code, body)
        if response.status_code == 422:
            fields = response.json["error"]["fields"]
            assert fields and all(CJK.search(m) for m in fields.values()), fields
    assert seen.get(422, 0) > 100  # the loop really exercised validation


# --- authentication and the two faces ----------------------------------------------------------


def unauthenticated_calls(case_id: int) -> list[tuple[str, str]]:
    case = f"/api/v1/cases/licensing/{case_id}"
    return [
        ("get", "/api/v1/cases/licensing"), ("post", "/api/v1/cases/licensing"),
        ("get", case), ("put", case), ("post", f"{case}/submit"),
        *(("post", f"{case}/{action}") for action in OFFICER_ACTIONS),
        ("get", "/api/v1/licenses"), ("get", "/api/v1/filings"), ("get", "/api/v1/catalog"),
    ]


def test_a_bad_token_is_401_and_no_token_on_a_read_is_401(api, client: FlaskClient, people,
                                                          app: Flask) -> None:
    case = api.bring("licensing", licensing(), "submitted")
    before = case_count(app)
    for method, path in unauthenticated_calls(case["id"]):
        headers_tried: list[dict[str, str]] = [
            {"Authorization": "Bearer not-a-jwt"}, {"Authorization": "Bearer "},
            {"Authorization": people.clerk()["Authorization"] + "x"}]
        if method == "get":
            headers_tried += [{}, {"Authorization": "Basic dTpw"}]
        for headers in headers_tried:
            response = getattr(client, method)(path, json=licensing(), headers=headers)
            assert response.status_code == 401, (method, path, headers, response.json)
            assert_error(response, 401)
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert case_count(app) == before
    assert api.get("licensing", case["id"], people.clerk()).json["status"] == "submitted"


def test_no_token_on_a_write_is_401(api, client: FlaskClient, people, app: Flask) -> None:
    case = api.bring("licensing", licensing(), "submitted")
    before = case_count(app)
    for method, path in unauthenticated_calls(case["id"]):
        if method == "get":
            continue
        for headers in ({}, {"Authorization": "Basic dTpw"}):
            response = getattr(client, method)(path, json=licensing(), headers=headers)
            assert response.status_code == 401, (method, path, headers, response.json)
    assert case_count(app) == before


def test_officer_endpoints_refuse_a_clerk_with_403(api, client: FlaskClient, people) -> None:
    case = api.bring("licensing", licensing(), "submitted")
    for action in OFFICER_ACTIONS:
        response = client.post(f"/api/v1/cases/licensing/{case['id']}/{action}",
                               json={"reason": "x"}, headers=people.clerk())
        assert_error(response, 403)
    for path in ("/api/v1/licenses", "/api/v1/filings"):
        assert_error(client.get(path, headers=people.clerk()), 403)
    assert api.get("licensing", case["id"], people.clerk()).json["version"] == case["version"]


@pytest.mark.parametrize("role", ["HRM_SL", "HRM_SH", "HRM_GL", "HRM_CX"])
def test_clerk_endpoints_refuse_an_officer_with_403(api, client: FlaskClient, people, app: Flask,
                                                    role: str) -> None:
    draft = api.create("licensing", licensing()).json
    officer = people.officer(role)
    assert_error(client.post("/api/v1/cases/licensing", json=licensing(), headers=officer), 403)
    assert_error(client.post("/api/v1/cases/licensing", json={**licensing(), "submit": True},
                             headers=officer), 403)
    assert_error(client.put(f"/api/v1/cases/licensing/{draft['id']}", json=licensing(),
                            headers=officer), 403)
    assert_error(client.post(f"/api/v1/cases/licensing/{draft['id']}/submit", json={},
                             headers=officer), 403)
    assert case_count(app) == 1
    assert api.get("licensing", draft["id"], people.clerk()).json["status"] == "draft"


def test_a_portal_user_without_any_role_here_is_403(client: FlaskClient, auth_header) -> None:
    headers = auth_header("PORTAL_ONLY")
    for path in ("/api/v1/cases/licensing", "/api/v1/catalog", "/api/v1/licenses"):
        assert_error(client.get(path, headers=headers), 403)


@pytest.mark.parametrize("role", sorted(DEFAULT_ROLES))
def test_a_transition_checks_its_step_permission_before_looking_up_the_case(
        api, client: FlaskClient, people, role: str) -> None:
    case = api.bring("licensing", licensing(), "submitted")
    for action in OFFICER_ACTIONS:
        may = f"licensing.{TRANSITIONS[action].step}" in DEFAULT_ROLES[role].permissions
        for case_id in (case["id"], MISSING_ID):
            response = client.post(f"/api/v1/cases/licensing/{case_id}/{action}",
                                   json={"version": 0, "reason": "x"},
                                   headers=people.make(role, FOREIGN))
            # Permitted: 404 (outside the jurisdiction, or absent); not permitted: always 403.
            assert response.status_code == (404 if may else 403), (action, case_id,
                                                                     response.status_code)
    after = api.get("licensing", case["id"], people.clerk()).json
    assert (after["status"], after["version"]) == ("submitted", case["version"])


# --- the catalogue ------------------------------------------------------------------------------


def test_catalog_lists_every_code_with_its_label(client: FlaskClient, people) -> None:
    answers = [client.get("/api/v1/catalog", headers=people.make(role)) for role in DEFAULT_ROLES]
    assert [r.status_code for r in answers] == [200] * len(DEFAULT_ROLES)
    data = answers[0].json
    assert all(r.json == data for r in answers)
    for key in ("agency_types", "license_items", "filing_items", "divisions",
                "deregistration_grounds", "revocation_grounds", "job_fair_kinds"):
        entries = data[key]
        assert isinstance(entries, list) and entries, key
        for entry in entries:
            assert set(entry) == {"code", "label"}, entry
            assert isinstance(entry["code"], str) and entry["code"]
            assert CJK.search(entry["label"]), entry
        codes = [entry["code"] for entry in entries]
        assert len(codes) == len(set(codes)), key
    divisions = {entry["code"]: entry["label"] for entry in data["divisions"]}
    assert len(divisions) == 16
    assert divisions[HP] == "和平区" and divisions["120116"] == "滨海新区"
    assert "120000" not in divisions and "120108" not in divisions  # the city; a legacy code
    assert "L90" not in {e["code"] for e in data["license_items"]}  # inactive legacy item
    assert {e["code"] for e in data["agency_types"]} >= {"T01", "T02"}


# --- the OpenAPI document -----------------------------------------------------------------------

RULE_PART = re.compile(r"<(?:(?P<conv>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")


def document_paths(rule: str) -> list[str]:
    """A Flask rule under /api/v1 as the document's path(s): <x> → {x}, any(...) expanded."""
    path = rule.removeprefix("/api/v1")
    expansions = [""]
    position = 0
    for match in RULE_PART.finditer(path):
        literal = path[position:match.start()]
        if match["conv"] == "any":
            options = [o.strip().strip("'\"") for o in match["args"].split(",")]
            expansions = [e + literal + o for e in expansions for o in options]
        else:
            expansions = [e + literal + "{" + match["name"] + "}" for e in expansions]
        position = match.end()
    return [e + path[position:] for e in expansions]


def test_document_paths_converts_flask_rules() -> None:
    assert document_paths("/api/v1/cases/<wf>/<int:case_id>") == ["/cases/{wf}/{case_id}"]
    assert document_paths("/api/v1/cases/<wf>/<int:case_id>/<any(a, b):action>") == [
        "/cases/{wf}/{case_id}/a", "/cases/{wf}/{case_id}/b"]


def resolve(document: dict[str, Any], pointer: str) -> Any:
    assert pointer.startswith("#/"), pointer
    node: Any = document
    for part in pointer[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for v in node.values() for r in refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in refs(v)]
    return []


@pytest.fixture
def openapi(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.json


def test_openapi_document_is_openapi_3(openapi: dict[str, Any]) -> None:
    assert openapi["openapi"].startswith("3.")
    assert openapi["info"]["title"] and openapi["info"]["version"]
    assert isinstance(openapi["paths"], dict) and openapi["paths"]
    for path, item in openapi["paths"].items():
        assert path.startswith("/"), path
        for method, operation in item.items():
            assert method in {"get", "put", "post", "delete", "patch", "parameters"}, method
            assert operation["responses"], (path, method)
            names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert names == set(re.findall(r"\{(\w+)\}", path)), (path, method, names)
    for pointer in refs(openapi):
        assert resolve(openapi, pointer) is not None, pointer
    scheme = openapi["components"]["securitySchemes"]["portal"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"


def test_openapi_describes_every_api_route_with_its_methods(app: Flask,
                                                            openapi: dict[str, Any]) -> None:
    expected: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        methods = {m.lower() for m in rule.methods or ()} - {"head", "options"}
        for path in document_paths(rule.rule):
            expected.setdefault(path, set()).update(methods)
    assert expected
    documented = {path: set(item) - {"parameters"} for path, item in openapi["paths"].items()}
    assert documented == expected


def test_every_operation_lists_its_error_responses(app: Flask, openapi: dict[str, Any]) -> None:
    public = set()
    for rule in app.url_map.iter_rules():
        access = getattr(app.view_functions[rule.endpoint], "hrm_access", None)
        if rule.rule.startswith("/api/v1/") and access is not None and access.public:
            public.update(document_paths(rule.rule))
    assert public == {"/openapi.json"}
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            if path not in public:  # a public endpoint can answer neither 401 nor 403
                assert {"401", "403"} <= set(responses), (path, method)
            if method in ("post", "put"):
                assert "422" in responses, (path, method)
            # Creating can collide; editing a case races on its version. (An agency's edit
            # cannot conflict: its credit code, the only unique field, is not editable.)
            if method == "post" or (method == "put" and "{case_id}" in path):
                assert "409" in responses, (path, method)
            if "{case_id}" in path or "{wf}" in path:
                assert "404" in responses, (path, method)
            for code, response in responses.items():
                if "$ref" in response:
                    response = resolve(openapi, response["$ref"])
                assert response["description"], (path, method, code)


def test_openapi_case_schema_names_the_contract_fields(openapi: dict[str, Any]) -> None:
    case = openapi["components"]["schemas"]["Case"]
    for field in ("id", "case_no", "workflow", "status", "status_label", "version", "agency",
                  "submitted_at"):
        assert field in case["required"] and field in case["properties"], field
    assert set(case["properties"]["status"]["enum"]) == {
        "draft", "submitted", "returned", "rejected", "pending_review", "approved", "refused"}


# --- the case JSON ------------------------------------------------------------------------------

CASE_FIELDS = ("id", "case_no", "workflow", "status", "status_label", "version", "agency",
               "submitted_at")


def assert_case_json(case: dict[str, Any], wf: str, status: str, *, row: bool = False) -> None:
    """A case in full, or (row) as a list shows it: without application, result and events."""
    for field in CASE_FIELDS:
        assert field in case, field
    assert isinstance(case["id"], int) and isinstance(case["version"], int)
    assert case["workflow"] == wf and case["status"] == status
    assert CJK.search(case["status_label"])
    if row:
        assert set(case["agency"]) == {"credit_code", "name"}
        assert not {"application", "result", "events"} & set(case)
    else:
        assert {"credit_code", "name", "division"} <= set(case["agency"])
        assert {"application", "result", "events"} <= set(case)


def test_case_json_has_the_contract_fields(api, case_in: Callable, people) -> None:
    draft = api.create("licensing", licensing()).json
    assert_case_json(draft, "licensing", "draft")
    assert draft["case_no"] is None and draft["submitted_at"] is None
    assert draft["agency"] == {"credit_code": CLERK_CODE, "name": agency_body()["name"],
                               "division": HP}

    submitted, _ = case_in("licensing", "submitted")
    assert_case_json(submitted, "licensing", "submitted")
    assert submitted["case_no"].startswith("XK" + HP) and submitted["submitted_at"]

    approved, code = case_in("licensing", "approved")
    assert_case_json(approved, "licensing", "approved")
    assert approved["license_number"] and approved["decision_number"]
    detail = api.get("licensing", approved["id"], people.officer("HRM_CX")).json
    assert detail["license_number"] == approved["license_number"]
    assert detail["decision_number"] == approved["decision_number"]
    assert detail["agency"]["credit_code"] == code
    assert [e["action"] for e in detail["events"] if not e["action"].startswith("material_")
            ] == ["create", "submit", "accept", "approve"]

    filed, _ = case_in("filing", "approved")
    assert_case_json(filed, "filing", "approved")
    assert filed["filing_number"]
    assert "license_number" not in filed


def test_case_times_are_rfc3339_with_an_offset(request: pytest.FixtureRequest, database, api,
                                               people) -> None:
    case = api.bring("licensing", licensing(), "approved")
    detail = api.get("licensing", case["id"], people.clerk()).json
    for field in ("submitted_at", "accepted_at", "decided_at"):
        value = dt.datetime.fromisoformat(detail[field])
        assert value.utcoffset() is not None, (field, detail[field])


def test_case_json_in_a_list_is_the_row_shape(api, client: FlaskClient, people) -> None:
    case = api.bring("licensing", licensing(), "submitted")
    page = client.get("/api/v1/cases/licensing", headers=people.officer("HRM_SL")).json
    assert set(page) >= {"items", "total", "page", "per_page"}
    assert page["total"] == 1 and page["page"] == 1 and page["per_page"] == 20
    listed = page["items"][0]
    assert_case_json(listed, "licensing", "submitted", row=True)
    assert listed["id"] == case["id"] and listed["case_no"] == case["case_no"]


def test_list_total_counts_every_page_and_the_last_page_holds_the_rest(api, client: FlaskClient,
                                                                      people) -> None:
    codes = [credit_code(400 + n) for n in range(3)]
    for code in codes:
        api.bring("licensing", {"agency": agency_body(code), "license_items": ["L01"]},
                  "submitted", clerk=code)
    officer = people.officer("HRM_SL")
    pages = [client.get(f"/api/v1/cases/licensing?per_page=2&page={n}", headers=officer).json
             for n in (1, 2, 3)]
    assert [p["total"] for p in pages] == [3, 3, 3]
    assert [len(p["items"]) for p in pages] == [2, 1, 0]
    assert {i["agency"]["credit_code"] for p in pages for i in p["items"]} == set(codes)
    whole = client.get("/api/v1/cases/licensing?per_page=5", headers=officer).json
    assert whole["total"] == 3 and len(whole["items"]) == 3
