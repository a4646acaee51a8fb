"""机构管理 pages (query, add, edit, delete, details) and /api/v1/agencies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, jsonify, render_template, request, url_for
from werkzeug.wrappers import Response

from portal_plugin.agencies import service as agencies
from portal_plugin.agencies.schemas import AgencyChanged, AgencyEdit, AgencyIn, AgencyOut, AgencyQuery
from portal_plugin.annual_reports.models import ANNUAL_REPORT_STATUS
from portal_plugin.core import catalog, schemas
from portal_plugin.core.access import MenuItem, identity, requires
from portal_plugin.core.api import body, page_of
from portal_plugin.core.apidoc import documents
from portal_plugin.core.errors import Invalid
from portal_plugin.core.models import AGENCY_STATUS, FILING_STATUS, LICENSE_STATUS
from portal_plugin.core.pages import action_post, form_post, list_page
from portal_plugin.core.queryargs import districts_of, int_arg
from portal_plugin.core.schemas import Page
from workflows.engine import case_type

MANAGE = agencies.MANAGE
READERS = agencies.READERS
PER_PAGE = 20

bp = Blueprint("agencies", __name__, url_prefix="/agencies")
api_bp = Blueprint("agencies_api", __name__, url_prefix="/api/v1/agencies")
BLUEPRINTS = (bp, api_bp)


def query_from(args: Mapping[str, str], per_page: int | None = None) -> agencies.AgencyQuery:
    """The query parameters (pages and API alike); bad numbers are Invalid with their field."""
    errors: dict[str, str] = {}

    query = agencies.AgencyQuery(
        q=args.get("q") or None, name=args.get("name") or None,
        credit_code=args.get("credit_code") or None, division=args.get("division") or None,
        agency_type=args.get("agency_type") or None, status=args.get("status") or None,
        page=int_arg(args, "page", 1, errors),
        per_page=per_page or int_arg(args, "per_page", PER_PAGE, errors))
    if errors:
        raise Invalid(errors)
    return query


@bp.get("")
@requires(MANAGE, menu=MenuItem("机构管理", "机构监管", 140))
def index() -> tuple[str, int]:
    """Query the agencies of the officer's jurisdiction (机构管理)."""
    who = identity()
    return list_page(
        "hrm/agencies/index.html", lambda: agencies.search(who, query_from(request.args, PER_PAGE)),
        row=agencies.to_json, divisions=districts_of(who), types=catalog.labels("agency_type"),
        statuses=AGENCY_STATUS)


def form_values() -> dict[str, Any]:
    return {key: request.form.get(key, "").strip() or None for key in agencies.FIELDS}


def render_form(values: Mapping[str, Any], errors: Mapping[str, str] | None = None,
                status: int = 200, agency_id: int | None = None) -> tuple[str, int]:
    return render_template(
        "hrm/agencies/form.html", values=values, errors=errors or {}, labels=agencies.LABELS,
        max_len=schemas.AGENCY_MAX_LEN, agency_id=agency_id,
        types=catalog.labels("agency_type", active_only=True),
        id_types=catalog.labels("id_type", active_only=True),
        divisions=districts_of(identity())), status


@bp.route("/new", methods=["GET", "POST"])
@requires(MANAGE)
def new() -> Response | tuple[str, int]:
    """Fill in and add an HR service agency (【保存】)."""
    if request.method == "GET":
        return render_form({"legal_rep_id_type": "resident_id"})
    values = form_values()
    return form_post(
        lambda: agencies.create(identity(), values),
        lambda agency: (f"机构“{agency.name}”已添加", url_for(".detail", agency_id=agency.id)),
        lambda errors, status: render_form(values, errors, status))


@bp.route("/<int:agency_id>/edit", methods=["GET", "POST"])
@requires(MANAGE)
def edit(agency_id: int) -> Response | tuple[str, int]:
    """Edit an agency's registered facts (【保存】); the changes are kept before and after."""
    who = identity()
    if request.method == "GET":
        agency = agencies.to_json(agencies.get(who, agency_id))
        return render_form(agency, agency_id=agency_id)
    values = form_values()
    return form_post(
        lambda: agencies.update(who, agency_id, values),
        lambda changes: ("机构信息已修改" if changes else "没有修改任何内容",
                         url_for(".detail", agency_id=agency_id)),
        lambda errors, status: render_form(values, errors, status, agency_id))


@bp.get("/<int:agency_id>")
@requires(*READERS)
def detail(agency_id: int) -> str:
    """Show an agency with its licences, filings, cases, branches, reports, fairs and history."""
    who = identity()
    agency = agencies.get(who, agency_id)
    return render_template(
        "hrm/agencies/detail.html", agency=agencies.read(who, agency_id), labels=agencies.LABELS,
        related=agencies.related(who, agency), history=agencies.history(agency),
        can_manage=who.can(MANAGE), case_type=case_type, license_status=LICENSE_STATUS,
        filing_status=FILING_STATUS, report_status=ANNUAL_REPORT_STATUS)


@bp.route("/<int:agency_id>/delete", methods=["GET", "POST"])
@requires(MANAGE)
def delete(agency_id: int) -> Response | tuple[str, int]:
    """Confirm and delete an agency that has nothing attached (【删除】)."""
    who = identity()
    agency = agencies.get(who, agency_id)
    if request.method == "GET":
        return render_template("hrm/agencies/delete.html", agency=agencies.to_json(agency),
                               blockers=agencies.blockers(agency)), 200
    return action_post(
        lambda: agencies.delete(who, agency_id),
        lambda _: (f"机构“{agency.name}”已删除", url_for(".index")),
        lambda _, message, status: (render_template(
            "hrm/agencies/delete.html", agency=agencies.to_json(agency),
            blockers=agencies.blockers(agency), error=message), status))


@api_bp.get("")
@documents(query=AgencyQuery, response=Page[AgencyOut])
@requires(*READERS)
def list_agencies() -> Response:
    """List the agencies of the caller's jurisdiction, the latest added first."""
    return page_of(agencies.search(identity(), query_from(request.args)), agencies.to_json)


@api_bp.post("")
@documents(body=AgencyIn, response=AgencyOut, status=201, errors=(409,))
@requires(MANAGE)
def create() -> tuple[Response, int]:
    """Add an agency (source 录入) in the caller's jurisdiction."""
    return jsonify(agencies.to_json(agencies.create(identity(), body()))), 201


@api_bp.get("/<int:agency_id>")
@documents(response=AgencyOut)
@requires(*READERS)
def get_agency(agency_id: int) -> Response:
    """One agency of the caller's jurisdiction."""
    return jsonify(agencies.read(identity(), agency_id))


@api_bp.put("/<int:agency_id>")
@documents(body=AgencyEdit, response=AgencyChanged)
@requires(MANAGE)
def update(agency_id: int) -> Response:
    """Change the given fields of an agency; the answer lists what changed."""
    who = identity()
    changes = agencies.update(who, agency_id, body())
    return jsonify({**agencies.to_json(agencies.get(who, agency_id)), "changes": changes})


@api_bp.delete("/<int:agency_id>")
@documents(status=204, errors=(409,))
@requires(MANAGE)
def remove(agency_id: int) -> tuple[str, int]:
    """Delete an agency that has no licences, filings, cases, reports, fairs or branches."""
    agencies.delete(identity(), agency_id)
    return "", 204
