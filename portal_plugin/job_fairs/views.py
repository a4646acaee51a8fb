"""现场招聘会 pages (bureau 现场招聘会查阅, agency 现场招聘会登记) and /api/v1/job-fairs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, jsonify, render_template, request, url_for
from werkzeug.wrappers import Response

from portal_plugin.core import catalog
from portal_plugin.core.access import AGENCY_SIDE, MenuItem, identity, requires
from portal_plugin.core.api import body, page_of
from portal_plugin.core.apidoc import documents
from portal_plugin.core.errors import Invalid
from portal_plugin.core.jurisdiction import own_agency
from portal_plugin.core.pages import form_post, list_page
from portal_plugin.core.permissions import AGENCY_PERMISSION
from portal_plugin.core.queryargs import date_arg, districts_of, int_arg
from portal_plugin.core.schemas import Page, max_lengths
from portal_plugin.job_fairs import service as job_fairs
from portal_plugin.job_fairs.schemas import (
    KIND,
    LABELS,
    POLICE_PERMIT_FROM,
    JobFairIn,
    JobFairOut,
    JobFairQuery,
    PolicePermit,
)

PERMISSION = "job_fairs.view"
PER_PAGE = 20

bp = Blueprint("job_fairs", __name__, url_prefix="/job-fairs")
agency_bp = Blueprint("agency_job_fairs", __name__, url_prefix="/agency/job-fairs")
api_bp = Blueprint("job_fairs_api", __name__, url_prefix="/api/v1/job-fairs")
BLUEPRINTS = (bp, agency_bp, api_bp)


def query_from(args: Mapping[str, str], per_page: int | None = None) -> job_fairs.FairQuery:
    """The query parameters (pages and API alike); bad ones are Invalid with their field."""
    errors: dict[str, str] = {}

    query = job_fairs.FairQuery(
        name=args.get("name") or None, organizer=args.get("organizer") or None,
        division=args.get("division") or None, held_from=date_arg(args, "held_from", errors),
        held_to=date_arg(args, "held_to", errors),
        permit_pending=_bool_arg(args, "permit_pending", errors),
        page=int_arg(args, "page", 1, errors),
        per_page=per_page or int_arg(args, "per_page", PER_PAGE, errors))
    if errors:
        raise Invalid(errors)
    return query


def _bool_arg(args: Mapping[str, str], key: str, errors: dict[str, str]) -> bool | None:
    value = args.get(key) or None
    if value is None:
        return None
    if value not in ("true", "false"):
        errors[key] = "应为 true 或 false"
        return None
    return value == "true"


def _list_page(template: str, **extra: Any) -> tuple[str, int]:
    """Search with the request's query; a bad query shows its errors and no rows (422)."""
    return list_page(template, lambda: job_fairs.search(identity(), query_from(request.args, PER_PAGE)),
                     row=job_fairs.to_json, **extra)


@bp.get("")
@requires(PERMISSION, menu=MenuItem("现场招聘会查阅", "机构监管", 160))
def index() -> tuple[str, int]:
    """Query the job fairs held in the officer's jurisdiction (现场招聘会查阅)."""
    return _list_page("hrm/job_fairs/index.html", divisions=districts_of(identity()))


@bp.get("/<int:fair_id>")
@requires(PERMISSION)
def detail(fair_id: int) -> str:
    """Show one job fair's details."""
    fair = job_fairs.to_json(job_fairs.get(identity(), fair_id))
    return render_template("hrm/job_fairs/detail.html", fair=fair, labels=LABELS,
                           back=url_for(".index"))


@agency_bp.get("")
@requires(AGENCY_PERMISSION, menu=MenuItem("现场招聘会登记", "单位端", 1010, side=AGENCY_SIDE))
def own() -> tuple[str, int]:
    """List the job fairs the clerk's agency registered."""
    return _list_page("hrm/job_fairs/own.html")


def render_form(values: Mapping[str, Any], errors: Mapping[str, str] | None = None,
                status: int = 200) -> tuple[str, int]:
    return render_template(
        "hrm/job_fairs/form.html", values=values, errors=errors or {}, labels=LABELS,
        kinds=catalog.labels(KIND, active_only=True), divisions=catalog.districts(),
        permit_from=POLICE_PERMIT_FROM, max_len=max_lengths(JobFairIn)), status


@agency_bp.route("/new", methods=["GET", "POST"])
@requires(AGENCY_PERMISSION)
def new() -> Response | tuple[str, int]:
    """Fill in and register a job fair (【保存】)."""
    who = identity()
    if request.method == "GET":
        agency = own_agency(who)
        return render_form({"organizer": agency.name if agency else ""})
    values = {key: request.form.get(key, "").strip() or None for key in LABELS}
    return form_post(
        lambda: job_fairs.register(who, values),
        lambda fair: (f"现场招聘会“{fair.name}”已登记", url_for(".detail_own", fair_id=fair.id)),
        lambda errors, status: render_form(values, errors, status))


def render_own(fair_id: int, errors: Mapping[str, str] | None = None,
               status: int = 200) -> tuple[str, int]:
    fair = job_fairs.to_json(job_fairs.get(identity(), fair_id))
    return render_template("hrm/job_fairs/detail.html", fair=fair, labels=LABELS,
                           back=url_for(".own"), errors=errors or {},
                           permit_form=fair["permit_required"]), status


@agency_bp.get("/<int:fair_id>")
@requires(AGENCY_PERMISSION)
def detail_own(fair_id: int) -> tuple[str, int]:
    """Show one of the agency's job fairs (with the permit number's form when one is needed)."""
    return render_own(fair_id)


@agency_bp.post("/<int:fair_id>/police-permit")
@requires(AGENCY_PERMISSION)
def permit(fair_id: int) -> Response | tuple[str, int]:
    """Enter the fair's police permit number (ends 待补安全许可)."""
    values = {"police_permit_no": request.form.get("police_permit_no", "").strip() or None}
    return form_post(
        lambda: job_fairs.enter_permit(identity(), fair_id, values),
        lambda fair: ("已录入公安机关安全许可文号", url_for(".detail_own", fair_id=fair.id)),
        lambda errors, status: render_own(fair_id, errors, status))


@api_bp.post("")
@documents(body=JobFairIn, response=JobFairOut, status=201, errors=(409,))
@requires(AGENCY_PERMISSION)
def create() -> tuple[Response, int]:
    """Register a job fair for the clerk's own agency."""
    return jsonify(job_fairs.to_json(job_fairs.register(identity(), body()))), 201


@api_bp.get("")
@documents(query=JobFairQuery, response=Page[JobFairOut])
@requires(PERMISSION, AGENCY_PERMISSION)
def list_fairs() -> Response:
    """List the job fairs in scope (jurisdiction, or the clerk's own), the latest first."""
    return page_of(job_fairs.search(identity(), query_from(request.args)), job_fairs.to_json)


@api_bp.get("/<int:fair_id>")
@documents(response=JobFairOut)
@requires(PERMISSION, AGENCY_PERMISSION)
def get_fair(fair_id: int) -> Response:
    """One job fair in scope."""
    return jsonify(job_fairs.to_json(job_fairs.get(identity(), fair_id)))


@api_bp.put("/<int:fair_id>/police-permit")
@documents(body=PolicePermit, response=JobFairOut)
@requires(AGENCY_PERMISSION)
def put_permit(fair_id: int) -> Response:
    """Enter the police permit number of the clerk's fair (a 待补安全许可 fair becomes complete)."""
    return jsonify(job_fairs.to_json(job_fairs.enter_permit(identity(), fair_id, body())))
