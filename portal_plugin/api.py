"""The JSON API (/api/v1): the same services as the pages, errors as CONTRACT.md says."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from flask import Blueprint, jsonify, request
from werkzeug.wrappers import Response

from portal_plugin import catalog, registry
from portal_plugin.access import identity, public, requires, signed_in
from portal_plugin.openapi import document as openapi_document
from sso.permissions import AGENCY_PERMISSION, WORKFLOW_ACT, WORKFLOW_READ
from workflows import service
from workflows.engine import OFFICER_ACTIONS, case_type
from workflows.errors import Invalid, Malformed

bp = Blueprint("api", __name__, url_prefix="/api/v1")




def body() -> dict[str, Any]:
    """The JSON object sent; malformed JSON is 400, anything but an object 422."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise Malformed("请求体不是有效的JSON") from None
    if not isinstance(data, dict):
        raise Invalid({"body": "请求体应为JSON对象"})
    return data


def int_arg(name: str, default: int) -> int:
    value = request.args.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:
        raise Invalid({name: "应为整数"}) from None


def date_arg(name: str) -> dt.date | None:
    value = request.args.get(name)
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Invalid({name: "日期格式应为 YYYY-MM-DD"}) from None


def page_of(items: list[Any], total: int, page: int, per_page: int) -> Response:
    return jsonify({"items": items, "total": total, "page": page, "per_page": per_page})


def case_json(case: Any) -> dict[str, Any]:
    """One case in full (lists show rows without the application and the 流转记录)."""
    return service.to_json(case, identity(), detail=True)


@bp.post("/cases/<wf>")
@requires(AGENCY_PERMISSION)
def create_case(wf: str) -> tuple[Response, int]:
    """Create an application for the clerk's own agency (submitted at once with "submit")."""
    data = body()
    case = service.create(case_type(wf), identity(), data, submit=data.get("submit") is True)
    return jsonify(case_json(case)), 201


@bp.put("/cases/<wf>/<int:case_id>")
@requires(AGENCY_PERMISSION)
def edit_case(wf: str, case_id: int) -> Response:
    """Replace a draft or returned application."""
    data = body()
    version = service.version_of(data.pop("version", None))
    return jsonify(case_json(service.edit(case_type(wf), case_id, identity(), data, version=version)))


@bp.post("/cases/<wf>/<int:case_id>/submit")
@requires(AGENCY_PERMISSION)
def submit_case(wf: str, case_id: int) -> Response:
    """Submit a draft, or resubmit a returned case."""
    return jsonify(case_json(service.act(case_type(wf), case_id, "submit", identity(), body())))


@bp.get("/cases/<wf>")
@requires(*WORKFLOW_READ, AGENCY_PERMISSION)
def list_cases(wf: str) -> Response:
    """List the cases in the caller's scope, newest first."""
    query = service.CaseQuery(
        status=request.args.get("status") or None, q=request.args.get("q") or None,
        name=request.args.get("name") or None, credit_code=request.args.get("credit_code") or None,
        case_no=request.args.get("case_no") or None,
        division=request.args.get("division") or None,
        submitted_from=date_arg("submitted_from"), submitted_to=date_arg("submitted_to"),
        page=int_arg("page", 1), per_page=int_arg("per_page", 20))
    cases, total = service.search(case_type(wf), identity(), query)
    items = [service.to_json(case, identity()) for case in cases]
    return page_of(items, total, *service.page_bounds(query.page, query.per_page))


@bp.get("/cases/<wf>/<int:case_id>")
@requires(*WORKFLOW_READ, AGENCY_PERMISSION)
def get_case(wf: str, case_id: int) -> Response:
    """One case with its application, result and timeline."""
    return jsonify(case_json(service.get(case_type(wf), case_id, identity())))


@bp.post(f"/cases/<wf>/<int:case_id>/<any({', '.join(OFFICER_ACTIONS)}):action>")
@requires(*WORKFLOW_ACT)
def act_on_case(wf: str, case_id: int, action: str) -> Response:
    """Accept, return, reject, approve or refuse a case."""
    return jsonify(case_json(service.act(case_type(wf), case_id, action, identity(), body())))


@bp.get("/licenses")
@requires("licensing.view")
def list_licenses() -> Response:
    """List licences in the caller's jurisdiction."""
    rows, total, page, per_page = registry.search_licenses(identity(), registry_query())
    return page_of(rows, total, page, per_page)


@bp.get("/filings")
@requires("filing.view")
def list_filings() -> Response:
    """List filings in the caller's jurisdiction."""
    rows, total, page, per_page = registry.search_filings(identity(), registry_query())
    return page_of(rows, total, page, per_page)


def registry_query() -> registry.RecordQuery:
    return registry.RecordQuery(
        q=request.args.get("q") or None, name=request.args.get("name") or None,
        credit_code=request.args.get("credit_code") or None,
        number=request.args.get("number") or None, status=request.args.get("status") or None,
        division=request.args.get("division") or None,
        granted_from=date_arg("granted_from"), granted_to=date_arg("granted_to"),
        page=int_arg("page", 1), per_page=int_arg("per_page", 20))


@bp.get("/catalog")
@signed_in
def get_catalog() -> Response:
    """Every code with its Chinese label."""
    def entries(mapping: dict[str, str]) -> list[dict[str, str]]:
        return [{"code": code, "label": label} for code, label in mapping.items()]

    return jsonify({
        "agency_types": entries(catalog.labels("agency_type", active_only=True)),
        "license_items": entries(catalog.labels("license_item", active_only=True)),
        "filing_items": entries(catalog.labels("filing_item", active_only=True)),
        "divisions": entries(catalog.districts()),
        "deregistration_grounds": entries(catalog.labels("deregistration_ground")),
        "revocation_grounds": entries(catalog.labels("revocation_ground")),
        "job_fair_kinds": entries(catalog.labels("job_fair_kind")),
        "id_types": entries(catalog.labels("id_type")),
    })


@bp.get("/openapi.json")
@public
def openapi() -> Response:
    """Describe every endpoint of this API (OpenAPI 3)."""
    return jsonify(openapi_document())
