"""The generated OpenAPI document: valid, true to every route's declarations and code tables."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Blueprint, Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from portal_plugin import app as factory
from portal_plugin.annual_reports.models import ANNUAL_REPORT_STATUS
from portal_plugin.core.access import DeclarationError, signed_in
from portal_plugin.core.apidoc import declaration
from portal_plugin.core.models import AGENCY_STATUS, LICENSE_STATUS, Agency
from portal_plugin.core.permissions import WORKFLOWS
from portal_plugin.job_fairs.models import JobFair
from portal_plugin.web import openapi
from tests.agencies.conftest import body
from tests.kit import CITY, HP
from tests.revocations.conftest import body as revocation_body
from workflows.engine import STATUS_LABELS


@pytest.fixture
def document(app: Flask) -> dict[str, Any]:
    return openapi.document(app)


def schema(document: dict[str, Any], name: str) -> dict[str, Any]:
    return document["components"]["schemas"][name]


def conforms(document: dict[str, Any], name: str, instance: Any) -> None:
    """Assert that an answer fits its component (refs resolve inside the document)."""
    root = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    errors = [e.message for e in Draft202012Validator(root).iter_errors(instance)]
    assert not errors, (name, errors)


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    validate(document)
    assert document["openapi"] == "3.1.0"


def test_the_document_is_built_once_per_app(app: Flask, client: FlaskClient) -> None:
    assert openapi.document(app) is openapi.document(app)
    assert client.get("/api/v1/openapi.json").json == openapi.document(app)


def test_every_operation_carries_its_routes_declared_permissions(
        app: Flask, document: dict[str, Any]) -> None:
    checked = 0
    for rule, path in openapi.api_rules(app):
        access = app.view_functions[rule.endpoint].hrm_access
        for expanded, _ in openapi.expansions(path):
            for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
                operation = document["paths"][expanded][method.lower()]
                assert operation["x-permissions"] == sorted(access.permissions), expanded
                assert operation["x-public"] is access.public, expanded
                assert (operation.get("security") == []) is access.public, expanded
                checked += 1
    assert checked == sum(len(item) for item in document["paths"].values())


def test_the_summary_is_the_views_docstring(app: Flask, document: dict[str, Any]) -> None:
    view = app.view_functions["hrm.agencies_api.create"]
    assert document["paths"]["/agencies"]["post"]["summary"] == view.__doc__.splitlines()[0]


def test_a_case_type_path_parameter_names_the_workflows(document: dict[str, Any]) -> None:
    parameters = document["paths"]["/cases/{wf}/{case_id}"]["get"]["parameters"]
    by_name = {p["name"]: p["schema"] for p in parameters}
    assert by_name["wf"]["enum"] == list(WORKFLOWS)
    assert by_name["case_id"]["type"] == "integer"


def test_enums_follow_the_code_tables(document: dict[str, Any]) -> None:
    assert schema(document, "Case")["properties"]["status"]["enum"] == list(STATUS_LABELS)
    assert schema(document, "AgencyOut")["properties"]["status"]["enum"] == list(AGENCY_STATUS)
    assert (schema(document, "RevocationOut")["properties"]["license_status"]["enum"]
            == list(LICENSE_STATUS))
    status = {p["name"]: p for p in document["paths"]["/annual-reports"]["get"]["parameters"]}
    assert status["status"]["schema"]["enum"] == list(ANNUAL_REPORT_STATUS)
    kind = schema(document, "JobFairIn")["properties"]["kind"]
    assert kind["x-catalog"] == "job_fair_kind"


def test_lengths_follow_the_model_columns(document: dict[str, Any]) -> None:
    agency = schema(document, "AgencyFacts")["properties"]
    assert agency["name"]["maxLength"] == Agency.__table__.c.name.type.length
    assert agency["address"]["maxLength"] == Agency.__table__.c.address.type.length
    fair = schema(document, "JobFairIn")["properties"]
    assert fair["venue_address"]["maxLength"] == JobFair.__table__.c.venue_address.type.length


def test_query_parameters_are_never_null(document: dict[str, Any]) -> None:
    for item in document["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                assert "anyOf" not in parameter["schema"], parameter
                assert parameter["schema"].get("default", "") is not None, parameter


def test_optional_bodies_are_not_required(document: dict[str, Any]) -> None:
    paths = document["paths"]
    assert paths["/cases/{wf}/{case_id}/accept"]["post"]["requestBody"]["required"] is False
    assert paths["/agencies"]["post"]["requestBody"]["required"] is True
    upload = paths["/history-imports"]["post"]["requestBody"]["content"]
    assert set(upload) == {"multipart/form-data"}


def test_real_answers_fit_their_schemas(client: FlaskClient, auth_header: Any,
                                        document: dict[str, Any]) -> None:
    headers = auth_header("HRM_GL", HP)
    created = client.post("/api/v1/agencies", json=body(1), headers=headers)
    assert created.status_code == 201
    conforms(document, "AgencyOut", created.json)
    conforms(document, "Page_AgencyOut_", client.get("/api/v1/agencies", headers=headers).json)
    changed = client.put(f"/api/v1/agencies/{created.json['id']}", json={"contact": "王芳"},
                         headers=headers)
    conforms(document, "AgencyChanged", changed.json)
    conforms(document, "Catalog", client.get("/api/v1/catalog", headers=headers).json)
    refused = client.post("/api/v1/agencies", json={}, headers=headers)
    assert refused.status_code == 422
    conforms(document, "Error", refused.json)


def test_cases_and_records_fit_their_schemas(client: FlaskClient, people: Any, case_in: Any,
                                             document: dict[str, Any]) -> None:
    case, _ = case_in("licensing", "approved")
    conforms(document, "CaseDetail", case)
    officer = people.officer("HRM_SL", CITY)
    conforms(document, "Page_Case_", client.get("/api/v1/cases/licensing", headers=officer).json)
    licences = client.get("/api/v1/licenses", headers=officer).json
    assert licences["items"]
    conforms(document, "Page_LicenseRecord_", licences)
    conforms(document, "Page_FilingRecord_", client.get("/api/v1/filings", headers=officer).json)


def test_job_fairs_fit_their_schemas(client: FlaskClient, register: Any, auth_header: Any,
                                     document: dict[str, Any]) -> None:
    conforms(document, "JobFairOut", register())
    listed = client.get("/api/v1/job-fairs", headers=auth_header("HRM_SL", HP)).json
    conforms(document, "Page_JobFairOut_", listed)


def test_annual_reports_fit_their_schemas(client: FlaskClient, report: Any, officer: Any,
                                          document: dict[str, Any]) -> None:
    passed = report("passed")
    conforms(document, "AnnualReportOut", passed)
    one = client.get(f"/api/v1/annual-reports/{passed['id']}", headers=officer())
    conforms(document, "AnnualReportDetail", one.json)
    conforms(document, "Page_AnnualReportOut_",
             client.get("/api/v1/annual-reports", headers=officer()).json)


def test_revocations_fit_their_schemas(client: FlaskClient, registry: dict[str, int],
                                       auth_header: Any, document: dict[str, Any]) -> None:
    headers = auth_header("HRM_GL", HP)
    created = client.post("/api/v1/revocations", json=revocation_body(registry["hp_license0"]),
                          headers=headers)
    assert created.status_code == 201, created.json
    conforms(document, "RevocationOut", created.json)
    conforms(document, "Page_RevocationOut_",
             client.get("/api/v1/revocations", headers=headers).json)


def test_statistics_fit_their_schema(client: FlaskClient, auth_header: Any,
                                     document: dict[str, Any]) -> None:
    table = client.get("/api/v1/statistics/new-agencies", headers=auth_header("HRM_CX", HP))
    conforms(document, "Table", table.json)


def test_an_undocumented_api_route_stops_the_app(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Any) -> None:
    extra = Blueprint("extra_api", __name__, url_prefix="/api/v1")

    @extra.get("/undocumented")
    @signed_in
    def undocumented() -> str:
        """Answer without a declaration."""
        return ""

    monkeypatch.setattr(factory, "FEATURES", (*factory.FEATURES, extra))
    with pytest.raises(DeclarationError, match="hrm.extra_api.undocumented"):
        factory.create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path),
                            "SECRET_KEY": "test-" + "x" * 40,
                            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3"})


def test_building_the_document_names_an_undocumented_endpoint(app: Flask) -> None:
    documented = app.view_functions["hrm.api_root.get_catalog"]

    def bare() -> Any:
        return documented()

    bare.hrm_access = documented.hrm_access  # type: ignore[attr-defined]
    assert declaration(bare) is None
    app.view_functions["hrm.api_root.get_catalog"] = bare
    with pytest.raises(DeclarationError, match="hrm.api_root.get_catalog"):
        openapi.document(app)


def test_a_mounted_bundle_documents_its_prefixed_api_root(tmp_path: Any) -> None:
    host = Flask("host")
    host.config.update(SECRET_KEY="host-" + "y" * 40, TESTING=True,
                       SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/x.sqlite3")
    factory.init_app(host, "/hrm")
    document = openapi.document(host)
    assert document["servers"] == [{"url": "/hrm/api/v1"}]
    assert "/cases/{wf}" in document["paths"]


def test_the_served_document_names_the_api_root_below_a_proxys_prefix(client: Any) -> None:
    plain = client.get("/api/v1/openapi.json").json
    mounted = client.get("/api/v1/openapi.json", base_url="http://localhost/portal/hrm/").json
    assert mounted["servers"] == [{"url": "/portal/hrm" + plain["servers"][0]["url"]}]
    assert mounted["paths"] == plain["paths"]
