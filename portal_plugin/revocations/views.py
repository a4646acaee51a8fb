"""注销单位行政许可: the bureau's page (query, 【添加】, 【保存】) and /api/v1/revocations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, jsonify, render_template, request, url_for
from werkzeug.wrappers import Response

from portal_plugin.core import catalog
from portal_plugin.core.access import MenuItem, identity, requires
from portal_plugin.core.api import body, page_of
from portal_plugin.core.apidoc import documents
from portal_plugin.core.errors import Invalid
from portal_plugin.core.pages import form_post, list_page
from portal_plugin.core.queryargs import date_arg, districts_of, int_arg
from portal_plugin.core.schemas import Page, max_lengths
from portal_plugin.revocations import service as revocations
from portal_plugin.revocations.schemas import (
    GROUND_KIND,
    LABELS,
    RevocationIn,
    RevocationOut,
    RevocationQuery,
)

PERMISSION = "revocation.manage"
PER_PAGE = 20
FIELDS = ("license_id", "ground", "decision_date", "document_number", "remarks")

bp = Blueprint("revocations", __name__, url_prefix="/revocations")
api_bp = Blueprint("revocations_api", __name__, url_prefix="/api/v1/revocations")
BLUEPRINTS = (bp, api_bp)


def query_from(args: Mapping[str, str], per_page: int | None = None
               ) -> revocations.RevocationQuery:
    """The query parameters (page and API alike); bad ones are Invalid with their field."""
    errors: dict[str, str] = {}

    query = revocations.RevocationQuery(
        name=args.get("name") or None, credit_code=args.get("credit_code") or None,
        license_number=args.get("license_number") or None, ground=args.get("ground") or None,
        decided_from=date_arg(args, "decided_from", errors),
        decided_to=date_arg(args, "decided_to", errors), division=args.get("division") or None,
        page=int_arg(args, "page", 1, errors),
        per_page=per_page or int_arg(args, "per_page", PER_PAGE, errors))
    if errors:
        raise Invalid(errors)
    return query


@bp.get("")
@requires(PERMISSION, menu=MenuItem("注销单位行政许可", "机构监管", 130))
def index() -> tuple[str, int]:
    """Query the revocations of the officer's jurisdiction (注销单位行政许可)."""
    return list_page(
        "hrm/revocations/index.html",
        lambda: revocations.search(identity(), query_from(request.args, PER_PAGE)),
        row=revocations.to_json, divisions=districts_of(identity()),
        grounds=catalog.labels(GROUND_KIND))


def render_form(q: str, values: Mapping[str, Any], errors: Mapping[str, str] | None = None,
                status: int = 200) -> tuple[str, int]:
    return render_template(
        "hrm/revocations/form.html", q=q, matches=revocations.candidates(identity(), q),
        values=values, errors=errors or {}, labels=LABELS,
        grounds=catalog.labels(GROUND_KIND, active_only=True),
        max_len=max_lengths(RevocationIn)), status


@bp.route("/new", methods=["GET", "POST"])
@requires(PERMISSION)
def new() -> Response | tuple[str, int]:
    """Find an agency, pick one of its valid licences and save the revocation (【添加】/【保存】)."""
    q = (request.values.get("q") or "").strip()[:200]
    if request.method == "GET":
        return render_form(q, {})
    values = {key: request.form.get(key, "").strip() or None for key in FIELDS}
    return form_post(
        lambda: revocations.revoke(identity(), values),
        lambda revocation: (f"已注销许可证{revocation.license.license_number}，"
                            f"文号{revocation.document_number}", url_for(".index")),
        lambda errors, status: render_form(q, values, errors, status))


@api_bp.get("")
@documents(query=RevocationQuery, response=Page[RevocationOut])
@requires(PERMISSION)
def list_revocations() -> Response:
    """List the revocations in the caller's jurisdiction, the latest decision first."""
    return page_of(revocations.search(identity(), query_from(request.args)), revocations.to_json)


@api_bp.post("")
@documents(body=RevocationIn, response=RevocationOut, status=201, errors=(409,))
@requires(PERMISSION)
def create() -> tuple[Response, int]:
    """Revoke a licence in the caller's jurisdiction."""
    return jsonify(revocations.to_json(revocations.revoke(identity(), body()))), 201
