"""告知承诺核查: the 事后核查 list and outcome form, the exclusion list's pages, and their API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, jsonify, render_template, request, url_for
from werkzeug.wrappers import Response

from portal_plugin.core.access import MenuItem, identity, requires
from portal_plugin.core.api import body, form_version, page_of
from portal_plugin.core.apidoc import documents
from portal_plugin.core.clock import today
from portal_plugin.core.errors import Invalid
from portal_plugin.core.pages import action_post, form_post, list_page
from portal_plugin.core.queryargs import districts_of, int_arg
from portal_plugin.core.schemas import Page
from portal_plugin.inspections import service
from portal_plugin.inspections.schemas import (
    LABELS,
    ExclusionIn,
    ExclusionOut,
    ExclusionQuery,
    InspectionOut,
    InspectionQuery,
    OutcomeIn,
)
from workflows.commitment import EXCLUSION_REASONS, INSPECTION_STATUS, OUTCOMES

PERMISSION = "revocation.manage"
PER_PAGE = 20
EXCLUSION_FIELDS = ("credit_code", "agency_name", "reason", "reason_text", "starts_on", "ends_on")

bp = Blueprint("inspections", __name__, url_prefix="/inspections")
api_bp = Blueprint("inspections_api", __name__, url_prefix="/api/v1")
BLUEPRINTS = (bp, api_bp)


def query_from(args: Mapping[str, str], per_page: int | None = None) -> service.InspectionQuery:
    errors: dict[str, str] = {}
    status = args.get("status") or None
    if status and status not in INSPECTION_STATUS:
        errors["status"] = "应为 open（待核查）或 closed（已办结）"
    query = service.InspectionQuery(
        status=status, name=args.get("name") or None, division=args.get("division") or None,
        page=int_arg(args, "page", 1, errors),
        per_page=per_page or int_arg(args, "per_page", PER_PAGE, errors))
    if errors:
        raise Invalid(errors)
    return query


def exclusion_query(args: Mapping[str, str], per_page: int | None = None
                    ) -> service.ExclusionQuery:
    errors: dict[str, str] = {}
    active_text = (args.get("active") or "").strip().lower()
    active = {"": None, "true": True, "1": True, "false": False, "0": False}.get(active_text, ...)
    if active is ...:
        errors["active"] = "应为 true 或 false"
        active = None
    query = service.ExclusionQuery(
        active=active, q=args.get("q") or None, page=int_arg(args, "page", 1, errors),
        per_page=per_page or int_arg(args, "per_page", PER_PAGE, errors))
    if errors:
        raise Invalid(errors)
    return query


# --- pages ---------------------------------------------------------------------------------

@bp.get("")
@requires(PERMISSION, menu=MenuItem("告知承诺核查", "告知承诺制", 220))
def index() -> tuple[str, int]:
    """The 事后核查 of on-the-spot 告知承诺 grants in the officer's jurisdiction, with the clock."""
    return list_page(
        "hrm/inspections/index.html",
        lambda: service.search(identity(), query_from(request.args, PER_PAGE)),
        row=service.to_json, divisions=districts_of(identity()), statuses=INSPECTION_STATUS)


def render_detail(inspection_id: int, errors: Mapping[str, str] | None = None,
                  message: str | None = None, status: int = 200) -> tuple[str, int]:
    inspection = service.get(identity(), inspection_id)
    return render_template(
        "hrm/inspections/detail.html", row=service.to_json(inspection), outcomes=OUTCOMES,
        errors=errors or {}, message=message, today=today().isoformat()), status


@bp.get("/<int:inspection_id>")
@requires(PERMISSION)
def detail(inspection_id: int) -> tuple[str, int]:
    """One 事后核查 and its outcome form (核查合格 / 限期整改 / 撤销许可)."""
    return render_detail(inspection_id)


@bp.post("/<int:inspection_id>/outcome")
@requires(PERMISSION)
def outcome(inspection_id: int) -> Response | tuple[str, int]:
    """Record the 事后核查's outcome."""
    values = {"outcome": request.form.get("outcome", ""), "due": request.form.get("due", ""),
              "remarks": request.form.get("remarks", ""), "version": form_version()}
    return action_post(
        lambda: service.record_outcome(identity(), inspection_id, values),
        lambda row: (f"{row.license.license_number} 事后核查：{OUTCOMES[row.outcome]}",
                     url_for(".index")),
        lambda errors, message, status: render_detail(inspection_id, errors, message, status))


@bp.get("/exclusions")
@requires(PERMISSION)
def exclusions() -> tuple[str, int]:
    """The 告知承诺 exclusion list (黑名单) of the officer's jurisdiction, ended entries kept."""
    return list_page(
        "hrm/inspections/exclusions.html",
        lambda: service.search_exclusions(identity(), exclusion_query(request.args, PER_PAGE)),
        row=service.exclusion_json)


def render_exclusion_form(values: Mapping[str, Any], errors: Mapping[str, str] | None = None,
                          status: int = 200) -> tuple[str, int]:
    return render_template("hrm/inspections/exclusion_form.html", values=values,
                           errors=errors or {}, labels=LABELS, reasons=EXCLUSION_REASONS,
                           today=today().isoformat()), status


@bp.route("/exclusions/new", methods=["GET", "POST"])
@requires(PERMISSION)
def new_exclusion() -> Response | tuple[str, int]:
    """【添加】 an agency to the exclusion list."""
    if request.method == "GET":
        return render_exclusion_form({})
    values = {key: request.form.get(key, "").strip() or None for key in EXCLUSION_FIELDS}
    return form_post(
        lambda: service.add_exclusion(identity(), values),
        lambda entry: (f"已将{entry.agency_name}列入告知承诺黑名单", url_for(".exclusions")),
        lambda errors, status: render_exclusion_form(values, errors, status))


@bp.post("/exclusions/<int:exclusion_id>/end")
@requires(PERMISSION)
def end_exclusion(exclusion_id: int) -> Response | tuple[str, int]:
    """【移除】: the entry ends today; it stays in the list's history."""
    return action_post(
        lambda: service.end_exclusion(identity(), exclusion_id),
        lambda entry: (f"已将{entry.agency_name}移出告知承诺黑名单", url_for(".exclusions")),
        lambda errors, message, status: (render_template(
            "hrm/errors/error.html", code=status, title="操作未完成",
            message=message or "操作未完成"), status))


# --- API -----------------------------------------------------------------------------------

@api_bp.get("/inspections")
@documents(query=InspectionQuery, response=Page[InspectionOut])
@requires(PERMISSION)
def list_inspections() -> Response:
    """List the 事后核查 in the caller's jurisdiction, open ones by due date first."""
    return page_of(service.search(identity(), query_from(request.args)), service.to_json)


@api_bp.post("/inspections/<int:inspection_id>/outcome")
@documents(body=OutcomeIn, response=InspectionOut, errors=(409,))
@requires(PERMISSION)
def inspection_outcome(inspection_id: int) -> Response:
    """Record a 事后核查's outcome: passed, rectify (with due) or revoke."""
    return jsonify(service.to_json(service.record_outcome(identity(), inspection_id, body())))


@api_bp.get("/exclusions")
@documents(query=ExclusionQuery, response=Page[ExclusionOut])
@requires(PERMISSION)
def list_exclusions() -> Response:
    """List the exclusion list's entries in the caller's jurisdiction, latest first."""
    return page_of(service.search_exclusions(identity(), exclusion_query(request.args)),
                   service.exclusion_json)


@api_bp.post("/exclusions")
@documents(body=ExclusionIn, response=ExclusionOut, status=201, errors=(409,))
@requires(PERMISSION)
def create_exclusion() -> tuple[Response, int]:
    """Put an agency on the exclusion list: it can no longer choose 告知承诺制."""
    return jsonify(service.exclusion_json(service.add_exclusion(identity(), body()))), 201


@api_bp.delete("/exclusions/<int:exclusion_id>")
@documents(response=ExclusionOut, errors=(409,))
@requires(PERMISSION)
def delete_exclusion(exclusion_id: int) -> Response:
    """End an entry today (the history keeps it)."""
    return jsonify(service.exclusion_json(service.end_exclusion(identity(), exclusion_id)))
