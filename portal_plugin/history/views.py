"""历史数据采集: the pages (query imported records, the four-step import, batches, modify, delete)
and the JSON API (/api/v1/history-imports, /api/v1/history-records)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from portal_plugin.core import api, excel, validation
from portal_plugin.core.access import MenuItem, identity, requires
from portal_plugin.core.api import body, page_of
from portal_plugin.core.apidoc import XLSX, documents
from portal_plugin.core.errors import Invalid, TooLarge
from portal_plugin.core.models import MAX_ID
from portal_plugin.core.pages import action_post, form_post
from portal_plugin.core.paging import page_count
from portal_plugin.core.queryargs import date_range, district_arg, districts_of, int_arg, page_size
from portal_plugin.core.schemas import Page, Paging
from portal_plugin.history import service
from portal_plugin.history.checks import Lookups
from portal_plugin.history.models import IMPORT_STATUS, ImportBatch
from portal_plugin.history.schemas import (
    Batch,
    Committed,
    Record,
    RecordDetail,
    RecordQuery,
    RecordSaved,
    RecordValues,
    Upload,
)
from portal_plugin.history.spec import COLUMNS, GROUPS, ITEM_SEPARATOR

bp = Blueprint("history", __name__, url_prefix="/history-import")
api_bp = Blueprint("history_api", __name__, url_prefix="/api/v1")
BLUEPRINTS = (bp, api_bp)

PERMISSION = "history.import"
PER_PAGE = 20
STEPS = ("下载模版", "上传文件", "数据校验", "确认导入")


def _int(name: str, default: int | None = None) -> int | None:
    """A positive whole-number argument of the id range; anything else counts as absent."""
    number = validation.whole_number(request.args.get(name, ""))
    return number if number is not None and 0 < number <= MAX_ID else default


@bp.get("")
@requires(PERMISSION, menu=MenuItem("历史数据采集", "数据采集", 190))
def index() -> str:
    """Query the imported records (历史数据采集)."""
    who = identity()
    errors: dict[str, str] = {}
    divisions = districts_of(who)
    division = district_arg(request.args, divisions, errors)
    imported = date_range(request.args, "imported_from", "imported_to", errors)
    query = service.RecordQuery(
        name=request.args.get("name") or None, credit_code=request.args.get("credit_code") or None,
        division=division or None, batch_id=int_arg(request.args, "batch", None, errors),
        imported_from=imported[0], imported_to=imported[1],
        page=_int("page", 1) or 1, per_page=page_size(request.args, PER_PAGE))
    rows, total, page, _ = service.search_records(who, query)
    return render_template("hrm/history/index.html", rows=rows, total=total, page=page,
                           pages=page_count(total, query.per_page), errors=errors, divisions=divisions,
                           args=request.args)


@bp.get("/template.xlsx")
@requires(PERMISSION)
def template() -> Response:
    """Download the import template (【下载模版】)."""
    return excel.xlsx_response(*service.template_download(identity()))


@bp.get("/import")
@requires(PERMISSION)
def start() -> str:
    """Show steps 1 and 2: download the template, upload the filled file (【导入历史数据】)."""
    uploaded = _int("batch")
    batch = service.get_batch(identity(), uploaded) if uploaded else None
    return render_template("hrm/history/import.html", step=3 if batch else 2, batch=batch,
                           steps=STEPS, limits=service.Limits.configured(), message=None)


@bp.post("/import")
@requires(PERMISSION)
def upload() -> Response | tuple[str, int]:
    """Upload a filled template and check it completely (【上传文件】)."""
    limits = service.Limits.configured()
    file = request.files.get("file")
    problem, status = None, 422
    if file is None or not file.filename:
        problem = "请选择要上传的文件"
    else:
        try:
            batch = service.upload(identity(), file.filename, service.read_upload(file.stream))
            return redirect(url_for(".start", batch=batch.id))
        except Invalid as exc:
            problem = exc.message
        except TooLarge as exc:
            problem, status = exc.message, exc.status
    return render_template("hrm/history/import.html", step=2, batch=None, steps=STEPS,
                           limits=limits, message=problem), status


def render_batch(batch_id: int, *, message: str | None = None, status: int = 200
                 ) -> tuple[str, int]:
    batch = service.get_batch(identity(), batch_id)
    page = _int("page", 1) or 1
    errors = batch.errors[(page - 1) * PER_PAGE: page * PER_PAGE]
    return render_template(
        "hrm/history/batch.html", batch=batch, actions=service.batch_actions(batch),
        step=4 if batch.status != "validated" else 3,
        steps=STEPS, errors=errors, page=page, pages=page_count(len(batch.errors), PER_PAGE),
        args=request.args, columns=COLUMNS, message=message,
        status_labels=IMPORT_STATUS), status


@bp.get("/batches/<int:batch_id>")
@requires(PERMISSION)
def batch_page(batch_id: int) -> tuple[str, int]:
    """Show a batch's check result (【下一步】): counts, problems, the rows to be saved."""
    return render_batch(batch_id)


@bp.get("/batches/<int:batch_id>/report.xlsx")
@requires(PERMISSION)
def report(batch_id: int) -> Response:
    """Download the user's workbook with every problem marked (【下载错误报告】)."""
    return excel.xlsx_response(*service.report_download(identity(), batch_id))


@bp.post("/batches/<int:batch_id>/commit")
@requires(PERMISSION)
def commit(batch_id: int) -> Response | tuple[str, int]:
    """Import a batch without errors into the registry (【确认导入】)."""
    return action_post(
        lambda: service.commit(identity(), batch_id),
        lambda batch: (f"导入完成：新增机构{batch.counts.get('agencies', 0)}个、许可证"
                       f"{batch.counts.get('licenses', 0)}个、业务备案{batch.counts.get('filings', 0)}个",
                       url_for(".batch_page", batch_id=batch.id)),
        lambda _, message, status: render_batch(batch_id, message=message, status=status))


@bp.post("/batches/<int:batch_id>/undo")
@requires(PERMISSION)
def undo(batch_id: int) -> Response | tuple[str, int]:
    """Undo a whole imported batch (【撤销导入】)."""
    return action_post(
        lambda: service.undo(identity(), batch_id),
        lambda _: (f"批次{batch_id}已撤销，导入的记录已删除", url_for(".batches")),
        lambda _, message, status: render_batch(batch_id, message=message, status=status))


@bp.get("/batches")
@requires(PERMISSION)
def batches() -> str:
    """List the import batches of the officer's jurisdiction."""
    per_page = page_size(request.args, PER_PAGE)
    rows, total, page, _ = service.list_batches(identity(), _int("page", 1) or 1, per_page)
    return render_template("hrm/history/batches.html", rows=rows, total=total, page=page,
                           pages=page_count(total, per_page), args=request.args, status_labels=IMPORT_STATUS)


def _form_values() -> dict[str, Any]:
    return {c.key: (request.form.getlist(c.key) if c.kind == "codes" else request.form.get(c.key))
            for c in COLUMNS}


def render_form(agency_id: int, values: dict[str, Any], errors: dict[str, str], status: int = 200
                ) -> tuple[str, int]:
    who = identity()
    agency = service.get_record(who, agency_id)
    shown = {k: ITEM_SEPARATOR.join(v) if isinstance(v, list) else (v or "")
             for k, v in values.items()}
    return render_template("hrm/history/record_form.html", agency=agency, values=shown,
                           errors=errors, columns=COLUMNS, groups=GROUPS,
                           choices=Lookups.load(who).choices), status


@bp.route("/records/<int:agency_id>/edit", methods=["GET", "POST"])
@requires(PERMISSION)
def edit(agency_id: int) -> Response | tuple[str, int]:
    """Modify an imported record (【修改】), checked like an imported row."""
    who = identity()
    if request.method == "GET":
        agency = service.get_record(who, agency_id)
        return render_form(agency_id, dict(service.record_values(who, agency)), {})
    values = _form_values()
    return form_post(
        lambda: service.update_record(who, agency_id, values),
        lambda saved: ("已保存" + (f"（请核对：{service.record_warnings(saved[1])}）"
                                  if saved[1] else ""), url_for(".index")),
        lambda errors, status: render_form(agency_id, values, dict(errors), status))


@bp.route("/records/<int:agency_id>/delete", methods=["GET", "POST"])
@requires(PERMISSION)
def delete(agency_id: int) -> Response | tuple[str, int]:
    """Delete an imported record (【删除】) after confirmation."""
    who = identity()
    agency = service.get_record(who, agency_id)
    if request.method == "GET":
        return render_template("hrm/history/record_delete.html", agency=agency, message=None), 200
    name = agency.name
    return action_post(
        lambda: service.delete_record(who, agency_id),
        lambda _: (f"已删除：{name}", url_for(".index")),
        lambda _, message, status: (render_template(
            "hrm/history/record_delete.html", agency=agency, message=message), status))


# --- the JSON API: /api/v1/history-imports and /api/v1/history-records --------------------------


def batch_json(batch: ImportBatch) -> dict[str, Any]:
    def iso(value: dt.datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": batch.id, "status": batch.status, "status_label": IMPORT_STATUS[batch.status],
        "file_name": batch.file_name, "uploaded_by": batch.uploaded_by_name,
        "division": batch.division_code, "rows": batch.rows, "valid_rows": batch.valid_rows,
        "error_count": batch.error_count, "warning_count": batch.warning_count,
        "counts": batch.counts, "errors": batch.errors, "warnings": batch.warnings,
        "preview": batch.preview, "message": batch.message,
        "created_at": iso(batch.created_at), "committed_at": iso(batch.committed_at),
        "undone_at": iso(batch.undone_at),
    }


@api_bp.get("/history-imports/template", endpoint="template")
@documents(response=XLSX)
@requires(PERMISSION)
def api_template() -> Response:
    """Download the import template."""
    return excel.xlsx_response(*service.template_download(identity()))


@api_bp.post("/history-imports", endpoint="upload")
@documents(body=Upload, form=True, response=Batch, status=201, errors=(409, 413))
@requires(PERMISSION)
def api_upload() -> tuple[Response, int]:
    """Upload a filled template (multipart `file`) and check it completely."""
    request.max_content_length = service.Limits.configured().bytes + 64 * 1024
    file = request.files.get("file")
    if file is None or not file.filename:
        raise Invalid({"file": "请选择要上传的文件"}, "请选择要上传的文件")
    batch = service.upload(identity(), file.filename, service.read_upload(file.stream))
    return jsonify(batch_json(batch)), 201


@api_bp.get("/history-imports")
@documents(query=Paging, response=Page[Batch])
@requires(PERMISSION)
def list_batches() -> Response:
    """List the import batches of the caller's jurisdiction, newest first."""
    return page_of(service.list_batches(identity(), api.int_arg("page", 1), api.int_arg("per_page", 20)),
                   batch_json)


@api_bp.get("/history-imports/<int:batch_id>")
@documents(response=Batch)
@requires(PERMISSION)
def get_batch(batch_id: int) -> Response:
    """One batch with its counts, problems and preview rows."""
    return jsonify(batch_json(service.get_batch(identity(), batch_id)))


@api_bp.get("/history-imports/<int:batch_id>/report.xlsx", endpoint="report")
@documents(response=XLSX, errors=(409,))
@requires(PERMISSION)
def api_report(batch_id: int) -> Response:
    """The uploaded workbook with every problem marked."""
    return excel.xlsx_response(*service.report_download(identity(), batch_id))


@api_bp.post("/history-imports/<int:batch_id>/commit", endpoint="commit")
@documents(response=Committed, errors=(409, 422))
@requires(PERMISSION)
def api_commit(batch_id: int) -> Response:
    """Import a batch without errors, all rows in one transaction (409 while errors remain)."""
    batch = service.commit(identity(), batch_id)
    return jsonify({"imported": batch.counts.get("agencies", 0), **batch_json(batch)})


@api_bp.post("/history-imports/<int:batch_id>/undo", endpoint="undo")
@documents(response=Batch, errors=(409, 422))
@requires(PERMISSION)
def api_undo(batch_id: int) -> Response:
    """Remove everything the batch imported (409 while anything refers to its records)."""
    return jsonify(batch_json(service.undo(identity(), batch_id)))


@api_bp.get("/history-records")
@documents(query=RecordQuery, response=Page[Record])
@requires(PERMISSION)
def list_records() -> Response:
    """Imported records of the caller's jurisdiction."""
    query = service.RecordQuery(
        name=request.args.get("name") or request.args.get("q") or None,
        credit_code=request.args.get("credit_code") or None,
        division=request.args.get("division") or None,
        batch_id=api.int_arg("batch", 0) or None,
        imported_from=api.date_arg("imported_from"), imported_to=api.date_arg("imported_to"),
        page=api.int_arg("page", 1), per_page=api.int_arg("per_page", 20))
    return page_of(service.search_records(identity(), query))


@api_bp.get("/history-records/<int:agency_id>")
@documents(response=RecordDetail)
@requires(PERMISSION)
def get_record(agency_id: int) -> Response:
    """One imported record, with its values in the import's columns."""
    return jsonify(service.record_detail(identity(), agency_id))


@api_bp.put("/history-records/<int:agency_id>")
@documents(body=RecordValues, response=RecordSaved, errors=(409,))
@requires(PERMISSION)
def update_record(agency_id: int) -> Response:
    """Replace an imported record's values (the import's column keys), checked like a row."""
    _, warnings = service.update_record(identity(), agency_id, body())
    return jsonify({**service.record_detail(identity(), agency_id), "warnings": warnings})


@api_bp.delete("/history-records/<int:agency_id>")
@documents(status=204, errors=(409,))
@requires(PERMISSION)
def delete_record(agency_id: int) -> tuple[str, int]:
    """Delete an imported record (409 when later cases refer to it)."""
    service.delete_record(identity(), agency_id)
    return "", 204
