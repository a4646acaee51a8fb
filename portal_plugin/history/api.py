"""The history import's JSON API: /api/v1/history-imports and /api/v1/history-records."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, jsonify, request
from werkzeug.wrappers import Response

from portal_plugin.core import excel
from portal_plugin.core.access import identity, requires
from portal_plugin.core.api import body, date_arg, int_arg, page_of
from portal_plugin.core.apidoc import XLSX, documents
from portal_plugin.core.errors import Invalid
from portal_plugin.core.schemas import Page, Paging
from portal_plugin.history import service
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

bp = Blueprint("history_api", __name__, url_prefix="/api/v1")
BLUEPRINTS = (bp,)

PERMISSION = "history.import"


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


@bp.get("/history-imports/template")
@documents(response=XLSX)
@requires(PERMISSION)
def template() -> Response:
    """Download the import template."""
    return excel.xlsx_response(*service.template_download(identity()))


@bp.post("/history-imports")
@documents(body=Upload, form=True, response=Batch, status=201, errors=(409, 413))
@requires(PERMISSION)
def upload() -> tuple[Response, int]:
    """Upload a filled template (multipart `file`) and check it completely."""
    request.max_content_length = service.Limits.configured().bytes + 64 * 1024
    file = request.files.get("file")
    if file is None or not file.filename:
        raise Invalid({"file": "请选择要上传的文件"}, "请选择要上传的文件")
    batch = service.upload(identity(), file.filename, service.read_upload(file.stream))
    return jsonify(batch_json(batch)), 201


@bp.get("/history-imports")
@documents(query=Paging, response=Page[Batch])
@requires(PERMISSION)
def list_batches() -> Response:
    """List the import batches of the caller's jurisdiction, newest first."""
    return page_of(service.list_batches(identity(), int_arg("page", 1), int_arg("per_page", 20)),
                   batch_json)


@bp.get("/history-imports/<int:batch_id>")
@documents(response=Batch)
@requires(PERMISSION)
def get_batch(batch_id: int) -> Response:
    """One batch with its counts, problems and preview rows."""
    return jsonify(batch_json(service.get_batch(identity(), batch_id)))


@bp.get("/history-imports/<int:batch_id>/report.xlsx")
@documents(response=XLSX, errors=(409,))
@requires(PERMISSION)
def report(batch_id: int) -> Response:
    """The uploaded workbook with every problem marked."""
    return excel.xlsx_response(*service.report_download(identity(), batch_id))


@bp.post("/history-imports/<int:batch_id>/commit")
@documents(response=Committed, errors=(409, 422))
@requires(PERMISSION)
def commit(batch_id: int) -> Response:
    """Import a batch without errors, all rows in one transaction (409 while errors remain)."""
    batch = service.commit(identity(), batch_id)
    return jsonify({"imported": batch.counts.get("agencies", 0), **batch_json(batch)})


@bp.post("/history-imports/<int:batch_id>/undo")
@documents(response=Batch, errors=(409, 422))
@requires(PERMISSION)
def undo(batch_id: int) -> Response:
    """Remove everything the batch imported (409 while anything refers to its records)."""
    return jsonify(batch_json(service.undo(identity(), batch_id)))


@bp.get("/history-records")
@documents(query=RecordQuery, response=Page[Record])
@requires(PERMISSION)
def list_records() -> Response:
    """Imported records of the caller's jurisdiction."""
    query = service.RecordQuery(
        name=request.args.get("name") or request.args.get("q") or None,
        credit_code=request.args.get("credit_code") or None,
        division=request.args.get("division") or None,
        batch_id=int_arg("batch", 0) or None,
        imported_from=date_arg("imported_from"), imported_to=date_arg("imported_to"),
        page=int_arg("page", 1), per_page=int_arg("per_page", 20))
    return page_of(service.search_records(identity(), query))


@bp.get("/history-records/<int:agency_id>")
@documents(response=RecordDetail)
@requires(PERMISSION)
def get_record(agency_id: int) -> Response:
    """One imported record, with its values in the import's columns."""
    return jsonify(service.record_detail(identity(), agency_id))


@bp.put("/history-records/<int:agency_id>")
@documents(body=RecordValues, response=RecordSaved, errors=(409,))
@requires(PERMISSION)
def update_record(agency_id: int) -> Response:
    """Replace an imported record's values (the import's column keys), checked like a row."""
    _, warnings = service.update_record(identity(), agency_id, body())
    return jsonify({**service.record_detail(identity(), agency_id), "warnings": warnings})


@bp.delete("/history-records/<int:agency_id>")
@documents(status=204, errors=(409,))
@requires(PERMISSION)
def delete_record(agency_id: int) -> tuple[str, int]:
    """Delete an imported record (409 when later cases refer to it)."""
    service.delete_record(identity(), agency_id)
    return "", 204
