"""双公示 pages and /api/v1/publicity (revocation.manage), and the public agency list
(/public/agencies, .json, .xlsx: no login, no session, rate-limited)."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, flash, jsonify, redirect, request, url_for
from werkzeug.wrappers import Response

from portal_plugin.core import catalog, excel, ratelimit
from portal_plugin.core.access import MenuItem, identity, public, requires
from portal_plugin.core.api import body, page_of
from portal_plugin.core.apidoc import XLSX, documents
from portal_plugin.core.errors import Conflict, Invalid
from portal_plugin.core.pages import list_page
from portal_plugin.core.queryargs import districts_of, int_arg
from portal_plugin.core.schemas import Page
from portal_plugin.publicity import service
from portal_plugin.publicity.schemas import (
    BatchIn,
    BatchOut,
    ExportOut,
    ExportQuery,
    PublicityItemOut,
    QueueQueryIn,
)
from workflows.publicity import FIELDS, PUBLICITY_STATUS

PERMISSION = "revocation.manage"
PER_PAGE = 20

bp = Blueprint("publicity", __name__, url_prefix="/publicity")
api_bp = Blueprint("publicity_api", __name__, url_prefix="/api/v1/publicity")
public_bp = Blueprint("public", __name__, url_prefix="/public")
BLUEPRINTS = (bp, api_bp, public_bp)


# --- the public list -----------------------------------------------------------------------


def public_query(args: Mapping[str, str], per_page: int | None = None) -> service.PublicQuery:
    errors: dict[str, str] = {}
    query = service.PublicQuery(
        q=(args.get("q") or "").strip()[:200] or None, division=args.get("division") or None,
        page=int_arg(args, "page", 1, errors),
        per_page=per_page or int_arg(args, "per_page", PER_PAGE, errors))
    if errors:
        raise Invalid(errors)
    return query


def _city_and_districts() -> dict[str, str]:
    return dict(catalog.districts())


@public_bp.get("/agencies")
@public
@ratelimit.limited("public")
def agencies() -> tuple[str, int]:
    """人力资源服务机构名录 (条例 Art 22): licensed and filed agencies, public."""
    return list_page("hrm/public/agencies.html",
                     lambda: service.public_search(public_query(request.args, PER_PAGE)),
                     row=service.public_row, divisions=_city_and_districts())


@public_bp.get("/agencies.json")
@public
@ratelimit.limited("public")
def agencies_json() -> Response:
    """The public list as JSON: {items, total, page, per_page}."""
    return page_of(service.public_search(public_query(request.args)), service.public_row)


@public_bp.get("/agencies.xlsx")
@public
@ratelimit.limited("public")
def agencies_xlsx() -> Response:
    """The public list as .xlsx (every match of the query)."""
    query = public_query(request.args)
    return excel.xlsx_response(service.public_workbook(query),
                               excel.download_name("人力资源服务机构名录", None),
                               "agencies.xlsx")


# --- 双公示 ---------------------------------------------------------------------------------


def queue_query(args: Mapping[str, str], per_page: int | None = None) -> service.QueueQuery:
    errors: dict[str, str] = {}
    query = service.QueueQuery(
        status=args.get("status") or "pending", q=(args.get("q") or "").strip()[:200] or None,
        division=args.get("division") or None, page=int_arg(args, "page", 1, errors),
        per_page=per_page or int_arg(args, "per_page", PER_PAGE, errors))
    if errors:
        raise Invalid(errors)
    return query


def render_index(errors: Mapping[str, str] | None = None, status: int = 200
                 ) -> tuple[str, int]:
    """The queue page; a refused 【标记已公示】 shows its reason above the list."""
    html, code = list_page(
        "hrm/publicity/index.html",
        lambda: service.queue(identity(), queue_query(request.args, PER_PAGE)),
        row=service.item_json, divisions=districts_of(identity()), statuses=PUBLICITY_STATUS,
        refused=errors or {})
    return html, status if errors else code


@bp.get("")
@requires(PERMISSION, menu=MenuItem("双公示", "信息公示", 850))
def index() -> tuple[str, int]:
    """双公示: licensing decisions to publish within 7 working days, due / overdue marked."""
    return render_index()


def _ids_arg() -> list[int] | None:
    source = request.form if request.method == "POST" else request.args
    chosen = source.getlist("ids") or source.getlist("ids[]")
    if len(chosen) == 1:
        chosen = chosen[0]  # type: ignore[assignment]  # "1,2,3"
    return service.parse_ids(chosen) if chosen else None


def _export(fmt: str) -> Response:
    items = service.export_items(identity(), _ids_arg())
    records = service.export_records(identity(), items)
    if fmt == "json":
        return jsonify({"fields": list(FIELDS), "items": records})
    return excel.xlsx_response(service.export_workbook(records),
                               excel.download_name("双公示行政许可", None), "publicity.xlsx")


@bp.route("/export", methods=["GET", "POST"])
@requires(PERMISSION)
def export() -> Response:
    """【导出】 the chosen items (or every pending one) in the credit platform's layout (the
    page's button posts its ticked boxes, so the form's CSRF token never lands in a URL)."""
    return _export("xlsx")


@bp.post("/batches")
@requires(PERMISSION)
def publish() -> Response | tuple[str, int]:
    """【标记已公示】: the chosen items become one published batch."""
    try:
        batch = service.publish(identity(), request.form.getlist("ids"))
    except (Invalid, Conflict) as exc:
        return render_index({"ids": exc.fields.get("ids") or exc.message}, exc.status)
    flash(f"已标记{batch.item_count}项为已公示（批次{batch.id}）", "success")
    return redirect(url_for(".index"))


@api_bp.get("/queue")
@documents(query=QueueQueryIn, response=Page[PublicityItemOut])
@requires(PERMISSION)
def queue_api() -> Response:
    """The 双公示 queue of the caller's jurisdiction (?status=pending|published)."""
    return page_of(service.queue(identity(), queue_query(request.args)), service.item_json)


@api_bp.get("/export")
@documents(query=ExportQuery, response=(XLSX, ExportOut), errors=(404,))
@requires(PERMISSION)
def export_api() -> Response:
    """The 27-field export (?format=xlsx|json, &ids=1,2; without ids: every pending item)."""
    fmt = request.args.get("format") or "xlsx"
    if fmt not in ("xlsx", "json"):
        raise Invalid({"format": "只支持 xlsx 或 json"})
    return _export(fmt)


@api_bp.post("/batches")
@documents(body=BatchIn, response=BatchOut, status=201, errors=(404, 409))
@requires(PERMISSION)
def publish_api() -> tuple[Response, int]:
    """Mark the chosen items published as one batch."""
    given = body()
    batch = service.publish(identity(), given.get("ids") if isinstance(given, Mapping) else None)
    return jsonify({"id": batch.id, "count": batch.item_count,
                    "created_at": batch.created_at.isoformat()}), 201

