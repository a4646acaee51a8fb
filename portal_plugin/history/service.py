"""History import services for the pages and the API: upload, preview, commit, undo, records."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any, NoReturn

from flask import current_app
from sqlalchemy import Select, delete, false, func, or_, select
from sqlalchemy.exc import IntegrityError

from portal_plugin.core import audit, excel, files
from portal_plugin.core.clock import start_of, utcnow
from portal_plugin.core.errors import Conflict, Invalid, NotFound, TooLarge
from portal_plugin.core.excel import WorkbookProblem
from portal_plugin.core.extensions import db
from portal_plugin.core.identity import Identity
from portal_plugin.core.jurisdiction import scope
from portal_plugin.core.models import AGENCY_STATUS, MAX_ID, RECORD_SOURCE, Agency, Filing, License
from portal_plugin.core.paging import contains, offset_page, page_bounds
from portal_plugin.core.transaction import atomic
from portal_plugin.history import workbook
from portal_plugin.history.checks import Lookups, RowResult, Scan, check_row, display, registry_conflicts
from portal_plugin.history.models import ImportBatch
from portal_plugin.history.spec import BY_KEY, COLUMNS, ITEM_SEPARATOR
from workflows.models import Case

SOURCE = "history_import"
COLUMN_KEYS = tuple(column.key for column in COLUMNS)
MISSING_FILE = "该批次的上传文件已不在文件存储中，请重新上传"
AGENCY_FIELDS = ("name", "credit_code", "agency_type", "division_code", "address", "legal_rep",
                 "legal_rep_id_type", "legal_rep_id_no", "contact", "phone", "founded_on",
                 "status", "deregistered_on")


@dataclass(frozen=True)
class Limits:
    rows: int
    bytes: int
    unzipped: int

    @classmethod
    def configured(cls) -> Limits:
        config = current_app.config
        return cls(int(config["HISTORY_IMPORT_MAX_ROWS"]), int(config["HISTORY_IMPORT_MAX_BYTES"]),
                   int(config["HISTORY_IMPORT_MAX_UNZIPPED_BYTES"]))

    def too_large(self) -> TooLarge:
        return TooLarge(f"文件超过{self.bytes // (1024 * 1024)} MB的上限，请分成多个文件分批导入")

    def read(self, data: bytes) -> workbook.Upload:
        return workbook.read(data, max_rows=self.rows, max_unzipped=self.unzipped)


def read_upload(stream: IO[bytes]) -> bytes:
    """The uploaded file's bytes, refusing (413) anything over the size cap without reading it all."""
    limits = Limits.configured()
    data = stream.read(limits.bytes + 1)
    if len(data) > limits.bytes:
        raise limits.too_large()
    return data


def upload_key(batch_id: int) -> str:
    """The batch's workbook in the file store (core/files), which every host reads."""
    return f"history/{batch_id}.xlsx"


def kept_rows_key(batch_id: int) -> str:
    """The batch's rows as read at upload (gzipped JSON lines), which the commit checks again."""
    return f"history/{batch_id}.rows.jsonl.gz"


def template(identity: Identity) -> bytes:
    return workbook.template(Lookups.load(identity).choices, Limits.configured().rows)


def template_download(identity: Identity) -> tuple[bytes, str, str]:
    """The template as a download for pages and API: (data, Chinese name, ASCII fallback)."""
    return (template(identity), excel.download_name("历史数据导入模版", None),
            "history_import_template.xlsx")


def report_download(identity: Identity, batch_id: int) -> tuple[bytes, str, str]:
    """The error report as a download for pages and API: (data, Chinese name, ASCII fallback)."""
    batch, data = report(identity, batch_id)
    return (data, excel.download_name("历史数据校验结果", f"批次{batch.id}"),
            f"history_import_report_{batch.id}.xlsx")


# --- batches -------------------------------------------------------------------------------


def upload(identity: Identity, file_name: str, data: bytes) -> ImportBatch:
    """Check an upload completely and keep it as a batch: file-level problems stop at once
    (422, the batch recorded as failed); row problems are all collected for the preview."""
    limits = Limits.configured()
    if len(data) > limits.bytes:
        raise limits.too_large()
    batch = ImportBatch(status="validated", file_name=(file_name or "未命名.xlsx")[-255:],
                        uploaded_by=identity.user_id, uploaded_by_name=identity.name,
                        division_code=identity.division or "", counts={}, errors=[], warnings=[],
                        preview=[])
    kept = io.BytesIO()
    try:
        scan = _scan(identity, limits.read(data), kept)
    except WorkbookProblem as problem:
        _refuse(identity, batch, problem.message)
    _store_scan(batch, scan)
    db.session.add(batch)
    try:
        db.session.flush()
        # The files join the batch's transaction: both are stored with it, or neither.
        files.put(upload_key(batch.id), data, name=batch.file_name, content_type=files.XLSX,
                  created_by=identity.user_id)
        files.put(kept_rows_key(batch.id), kept.getvalue(), content_type="application/gzip",
                  created_by=identity.user_id)
        audit.record(identity, "upload", "import_batch", batch.id, to_state="validated",
                     data={"file_name": batch.file_name, "rows": batch.rows,
                           "errors": batch.error_count, "warnings": batch.warning_count})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return batch


def _scan(identity: Identity, upload_: workbook.Upload, kept: IO[bytes]) -> Scan:
    """Check every row, keeping the rows as read (for the commit) in `kept`."""
    scan = Scan(Lookups.load(identity))
    lines: list[str] = []
    with gzip.GzipFile(fileobj=kept, mode="wb", compresslevel=1) as rows:
        for number, raw in upload_.rows():
            scan.add(number, raw)
            lines.append(_row_line(number, raw))
            if len(lines) == 1000:  # one write per thousand rows: compressing is then cheap
                rows.write("".join(lines).encode())
                lines.clear()
        rows.write("".join(lines).encode())
    scan.finish()
    return scan


def _refuse(identity: Identity, batch: ImportBatch, message: str) -> NoReturn:
    """Record a file that failed its file-level checks, and refuse it (422)."""
    batch.status, batch.message = "failed", message
    db.session.add(batch)
    db.session.flush()
    audit.record(identity, "upload", "import_batch", batch.id, to_state="failed",
                 reason=message, data={"file_name": batch.file_name})
    db.session.commit()
    raise Invalid({"file": message}, message)


def _cell_json(value: Any) -> str:
    # A date cell is read back as its date text, which every column reads the same way.
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    return str(value)


# One encoder for every row (json.dumps with options builds a new one per call).
_ROW_ENCODER = json.JSONEncoder(ensure_ascii=False, default=_cell_json)


def _row_line(number: int, raw: Mapping[str, Any]) -> str:
    return _ROW_ENCODER.encode([number, [raw[key] for key in COLUMN_KEYS]]) + "\n"


def _kept_rows(batch: ImportBatch) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        data = files.read(kept_rows_key(batch.id))
    except (files.FileMissing, files.FileCorrupt):
        raise Conflict(MISSING_FILE) from None
    with gzip.open(io.BytesIO(data), "rt", encoding="utf-8") as rows:
        for line in rows:
            number, values = json.loads(line)
            yield number, dict(zip(COLUMN_KEYS, values, strict=True))


def _store_scan(batch: ImportBatch, scan: Scan) -> None:
    batch.rows, batch.valid_rows = scan.rows, scan.valid_rows
    batch.error_count, batch.warning_count = scan.error_count, scan.warning_count
    batch.errors, batch.warnings = scan.errors, scan.warnings
    batch.counts = dict(scan.counts)
    batch.preview = [{"row": row, **values} for row, values in scan.preview]


def _batches(identity: Identity) -> Select[tuple[ImportBatch]]:
    """Batches of the identity's jurisdiction (by the uploader's division)."""
    return select(ImportBatch).where(scope(ImportBatch.division_code, identity))


def get_batch(identity: Identity, batch_id: int, *, lock: bool = False) -> ImportBatch:
    stmt = _batches(identity).where(ImportBatch.id == batch_id)
    batch = db.session.scalar(stmt.with_for_update() if lock else stmt)
    if batch is None:
        raise NotFound("导入批次不存在或不在您的管辖范围内")
    return batch


def list_batches(identity: Identity, page: int = 1, per_page: int = 20
                 ) -> tuple[list[ImportBatch], int, int, int]:
    page, per_page = page_bounds(page, per_page)
    rows, total = offset_page(_batches(identity), (ImportBatch.id.desc(),), page, per_page)
    return rows, total, page, per_page


def report(identity: Identity, batch_id: int) -> tuple[ImportBatch, bytes]:
    """The annotated copy of the batch's workbook, checked again against the registry now."""
    batch = get_batch(identity, batch_id)
    if batch.status == "failed":
        raise Conflict("该文件未通过文件检查，没有错误报告：" + (batch.message or ""))
    limits = Limits.configured()
    data = _stored_bytes(batch)
    lk = Lookups.load(identity)
    scan = Scan(lk, max_stored=0, marks={})
    try:
        upload_ = limits.read(data)
        for number, raw in upload_.rows():
            scan.add(number, raw)
        scan.finish()
        return batch, workbook.report(limits.read(data), scan.marks or {}, lk.choices)
    except WorkbookProblem as problem:
        raise Conflict(problem.message) from None


def _stored_bytes(batch: ImportBatch) -> bytes:
    try:
        return files.read(upload_key(batch.id))
    except (files.FileMissing, files.FileCorrupt):
        raise Conflict(MISSING_FILE) from None


def batch_actions(batch: ImportBatch) -> list[str]:
    """What a batch allows now: 【确认导入】 with zero errors, 撤销导入 once imported."""
    if batch.status == "validated" and not batch.error_count:
        return ["commit"]
    return ["undo"] if batch.status == "imported" else []


def commit(identity: Identity, batch_id: int) -> ImportBatch:
    """Import a batch without errors: check it again against today's registry and insert every
    row in one transaction; any problem or failure imports nothing."""
    try:
        with atomic():
            batch = get_batch(identity, batch_id, lock=True)
            if batch.status != "validated":
                raise Conflict("该批次已导入或已撤销，不能再次导入")
            if batch.error_count:
                raise Conflict(f"该批次还有{batch.error_count}处错误，请下载错误报告修改后重新上传")
            now = utcnow()
            scan = Scan(Lookups.load(identity),
                        on_chunk=lambda results: _insert(batch.id, results, now))
            # The rows as read at upload, checked again in full (catalogue, jurisdiction, registry).
            for number, raw in _kept_rows(batch):
                scan.add(number, raw)
            scan.finish()
            if scan.error_count:
                raise _RegistryChanged(scan)  # rolls back every row inserted so far
            batch.status, batch.committed_at = "imported", now
            audit.record(identity, "import", "import_batch", batch.id, from_state="validated",
                         to_state="imported", data=dict(scan.counts))
    except IntegrityError as exc:
        if not _unique_violation(exc):
            raise
        raise Conflict("导入时登记库已被他人更新（统一社会信用代码或证照编号重复），"
                       "未导入任何数据，请重新上传校验") from None
    except WorkbookProblem as problem:
        raise Conflict(problem.message) from None
    except _RegistryChanged as changed:
        _keep_findings(identity, batch_id, changed.scan)
    return batch


class _RegistryChanged(Exception):
    """The registry changed since the preview: the import is abandoned with these findings."""

    def __init__(self, scan: Scan) -> None:
        super().__init__()
        self.scan = scan


def _unique_violation(exc: IntegrityError) -> bool:
    """A duplicate key (another import or approval won a race), not a bug of ours."""
    return (getattr(exc.orig, "sqlstate", None) == "23505"
            or str(exc.orig).startswith("UNIQUE constraint failed"))


def _keep_findings(identity: Identity, batch_id: int, scan: Scan) -> NoReturn:
    """Keep the new findings on the batch (nothing was imported) and refuse the import."""
    with atomic():
        _store_scan(get_batch(identity, batch_id), scan)
    raise Conflict(f"登记库在校验后发生了变化，发现{scan.error_count}处错误，未导入任何数据；"
                   "请查看校验结果并修改后重新上传")


def _insert(batch_id: int, results: list[RowResult], now: dt.datetime) -> None:
    """Insert one chunk of checked rows: a few multi-row INSERTs, no per-row round trip."""
    agencies = [{
        "name": r.clean["name"], "credit_code": r.clean["credit_code"],
        "agency_type": r.clean["agency_type"], "division_code": r.clean["division"],
        "address": r.clean["address"], "legal_rep": r.clean["legal_rep"],
        "legal_rep_id_type": r.clean["legal_rep_id_type"],
        "legal_rep_id_no": r.clean["legal_rep_id_no"], "contact": r.clean["contact"],
        "phone": r.clean["phone"], "founded_on": r.clean["founded_on"],
        "status": r.clean["status"], "deregistered_on": r.clean["deregistered_on"],
        "source": SOURCE, "import_batch_id": batch_id, "created_at": now, "updated_at": now,
    } for r in results]
    table = Agency.__table__
    ids = {code: agency_id for code, agency_id in db.session.execute(
        table.insert().returning(table.c.credit_code, table.c.id), agencies)}
    licenses = [_license(r.clean, ids[r.clean["credit_code"]], batch_id, now)
                for r in results if r.has_license]
    filings = [_filing(r.clean, ids[r.clean["credit_code"]], batch_id, now)
               for r in results if r.has_filing]
    if licenses:
        db.session.execute(License.__table__.insert(), licenses)
    if filings:
        db.session.execute(Filing.__table__.insert(), filings)


def _license(clean: Mapping[str, Any], agency_id: int, batch_id: int | None,
             now: dt.datetime) -> dict[str, Any]:
    return {"agency_id": agency_id, "license_number": clean["license_number"],
            "items": clean["license_items"], "issued_on": clean["license_issued_on"],
            "valid_until": clean["license_valid_until"], "status": clean["license_status"],
            "issuing_division": clean["division"], "source": SOURCE,
            "import_batch_id": batch_id, "created_at": now}


def _filing(clean: Mapping[str, Any], agency_id: int, batch_id: int | None,
            now: dt.datetime) -> dict[str, Any]:
    return {"agency_id": agency_id, "filing_number": clean["filing_number"],
            "items": clean["filing_items"], "filed_on": clean["filed_on"],
            "status": clean["filing_status"], "source": SOURCE, "import_batch_id": batch_id,
            "created_at": now}


def undo(identity: Identity, batch_id: int) -> ImportBatch:
    """Remove everything a batch imported, while nothing else refers to its records."""
    try:
        with atomic():
            batch = get_batch(identity, batch_id, lock=True)
            if batch.status != "imported":
                raise Conflict("只有已导入的批次可以撤销")
            ids = select(Agency.id).where(Agency.import_batch_id == batch.id).scalar_subquery()
            refusal = _refusal(ids, batch.id)
            if refusal:
                raise Conflict(f"不能撤销：本批次的机构{refusal}")
            removed = _remove(ids, batch.id)
            batch.status, batch.undone_at = "undone", utcnow()
            audit.record(identity, "undo", "import_batch", batch.id, from_state="imported",
                         to_state="undone", data=removed)
    except IntegrityError:
        raise Conflict("不能撤销：本批次的机构仍被其他数据引用") from None
    return batch


def _refusal(ids: Any, batch_id: int) -> str | None:
    """Why these agencies cannot be removed (something outside their batch refers to them)."""
    codes = select(Agency.credit_code).where(Agency.id.in_(ids)).scalar_subquery()
    cases = db.session.scalar(select(func.count()).select_from(Case).where(
        or_(Case.agency_id.in_(ids), Case.credit_code.in_(codes))))
    if cases:
        return f"已有{cases}件办件（申请或审批记录）"
    if db.session.scalar(select(func.count()).select_from(Agency).where(Agency.parent_id.in_(ids))):
        return "已设立分支机构"
    for model, what in ((License, "许可证"), (Filing, "业务备案")):
        others = db.session.scalar(select(func.count()).select_from(model).where(
            model.agency_id.in_(ids),
            or_(model.import_batch_id.is_(None), model.import_batch_id != batch_id)))
        if others:
            return f"已有导入以外的{what}"
    return None


def _remove(ids: Any, batch_id: int) -> dict[str, int]:
    removed = {}
    for name, model in (("licenses", License), ("filings", Filing)):
        removed[name] = db.session.execute(
            delete(model).where(model.agency_id.in_(ids), model.import_batch_id == batch_id)
            .execution_options(synchronize_session=False)).rowcount
    removed["agencies"] = db.session.execute(
        delete(Agency).where(Agency.id.in_(ids)).execution_options(synchronize_session=False)
    ).rowcount
    return removed


# --- records -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordQuery:
    """The 历史数据采集 page's query conditions."""

    name: str | None = None
    credit_code: str | None = None
    division: str | None = None
    batch_id: int | None = None
    imported_from: dt.date | None = None
    imported_to: dt.date | None = None
    page: int = 1
    per_page: int = 20


def search_records(identity: Identity, query: RecordQuery
                   ) -> tuple[list[dict[str, Any]], int, int, int]:
    """Imported agencies in the identity's jurisdiction, newest import first."""
    stmt = (select(Agency, ImportBatch.committed_at)
            .join(ImportBatch, Agency.import_batch_id == ImportBatch.id)
            .where(scope(Agency.division_code, identity)))
    if query.name:
        stmt = stmt.where(Agency.name.like(contains(query.name.strip())))
    if query.credit_code:
        stmt = stmt.where(Agency.credit_code == query.credit_code.strip().upper())
    if query.division:
        stmt = stmt.where(Agency.division_code == query.division)
    if query.batch_id:
        # An id beyond the key range matches no batch (and must not reach the database).
        stmt = stmt.where(Agency.import_batch_id == query.batch_id
                          if 0 < query.batch_id <= MAX_ID else false())
    if query.imported_from:
        stmt = stmt.where(ImportBatch.committed_at >= start_of(query.imported_from))
    if query.imported_to:
        stmt = stmt.where(ImportBatch.committed_at < start_of(
            query.imported_to + dt.timedelta(days=1)))
    page, per_page = page_bounds(query.page, query.per_page)
    rows, total = offset_page(stmt, (ImportBatch.committed_at.desc(), Agency.id.desc()), page,
                              per_page, scalars=False)
    numbers = _numbers([agency.id for agency, _ in rows])
    return ([record_json(agency, committed, numbers.get(agency.id, {}))
             for agency, committed in rows], total, page, per_page)


def _numbers(agency_ids: list[int]) -> dict[int, dict[str, str]]:
    """Licence and filing numbers of a page of agencies, two queries in all."""
    found: dict[int, dict[str, str]] = {}
    if not agency_ids:
        return found
    for key, column, model in (("license_number", License.license_number, License),
                               ("filing_number", Filing.filing_number, Filing)):
        for agency_id, number in db.session.execute(
                select(model.agency_id, column).where(model.agency_id.in_(agency_ids))
                .order_by(model.id)):
            found.setdefault(agency_id, {}).setdefault(key, number)
    return found


def record_json(agency: Agency, imported_at: dt.datetime | None,
                numbers: Mapping[str, str]) -> dict[str, Any]:
    return {
        "id": agency.id, "name": agency.name, "credit_code": agency.credit_code,
        "division": agency.division_code, "division_name": agency.division.name,
        "batch_id": agency.import_batch_id,
        "imported_at": imported_at.isoformat() if imported_at else None,
        "status": agency.status, "status_label": AGENCY_STATUS.get(agency.status, agency.status),
        "source": agency.source, "source_label": RECORD_SOURCE.get(agency.source, agency.source),
        "license_number": numbers.get("license_number"),
        "filing_number": numbers.get("filing_number"),
    }


def record_detail(identity: Identity, agency_id: int) -> dict[str, Any]:
    """One imported record with its values in the import's columns (the API's answer)."""
    agency = get_record(identity, agency_id)
    batch = db.session.get(ImportBatch, agency.import_batch_id)
    values = record_values(identity, agency)
    numbers = {k: values[k] for k in ("license_number", "filing_number") if values[k]}
    return {**record_json(agency, batch.committed_at if batch else None, numbers),
            "values": values}


def get_record(identity: Identity, agency_id: int, *, lock: bool = False) -> Agency:
    """An imported agency of the identity's jurisdiction (else 404)."""
    stmt = select(Agency).where(Agency.id == agency_id, Agency.import_batch_id.is_not(None),
                                scope(Agency.division_code, identity))
    agency = db.session.scalar(stmt.with_for_update(of=Agency) if lock else stmt)
    if agency is None:
        raise NotFound("记录不存在或不在您的管辖范围内")
    return agency


def _imported(agency: Agency) -> tuple[License | None, Filing | None]:
    """The licence and filing the agency's batch imported with it."""
    license_ = db.session.scalar(select(License).where(
        License.agency_id == agency.id, License.import_batch_id == agency.import_batch_id))
    filing = db.session.scalar(select(Filing).where(
        Filing.agency_id == agency.id, Filing.import_batch_id == agency.import_batch_id))
    return license_, filing


def record_values(identity: Identity, agency: Agency) -> dict[str, str]:
    """The record in the import's columns, as people read them (the edit form, the API)."""
    license_, filing = _imported(agency)
    clean: dict[str, Any] = {key: getattr(agency, key) for key in AGENCY_FIELDS
                             if key != "division_code"}
    clean["division"] = agency.division_code
    if license_ is not None:
        clean.update(license_number=license_.license_number, license_issued_on=license_.issued_on,
                     license_valid_until=license_.valid_until, license_items=license_.items,
                     license_status=license_.status)
    if filing is not None:
        clean.update(filing_number=filing.filing_number, filed_on=filing.filed_on,
                     filing_items=filing.items, filing_status=filing.status)
    return display(clean, Lookups.load(identity))


def update_record(identity: Identity, agency_id: int, values: Mapping[str, Any]
                  ) -> tuple[Agency, dict[str, str]]:
    """Modify an imported record, checked exactly as an imported row; returns its warnings."""
    with atomic():
        agency = get_record(identity, agency_id, lock=True)
        before = record_values(identity, agency)
        result = check_row({k: _as_cell(k, v) for k, v in values.items() if k in BY_KEY},
                           Lookups.load(identity))
        for key, message in registry_conflicts([(0, result)], exclude_agency=agency.id
                                               ).get(0, {}).items():
            result.fail(key, message)
        license_, filing = _imported(agency)
        if license_ is not None and not result.has_license:
            result.fail("license_number", "导入的许可证信息不能清空；如该机构不应导入，请删除整条记录")
        if filing is not None and not result.has_filing:
            result.fail("filing_number", "导入的备案信息不能清空；如该机构不应导入，请删除整条记录")
        if result.clean.get("credit_code") not in (None, agency.credit_code):
            refusal = _refusal([agency.id], agency.import_batch_id or 0)
            if refusal:
                result.fail("credit_code", f"该机构{refusal}，不能修改统一社会信用代码")
        if result.errors:
            raise Invalid(result.errors)
        _apply(agency, license_, filing, result.clean)
        db.session.flush()
        after = record_values(identity, agency)
        changed = {k: {"before": before[k], "after": after[k]} for k in after if before[k] != after[k]}
        audit.record(identity, "edit", "agency", agency.id, reason="历史数据采集：修改",
                     data={"source": SOURCE, "changes": changed})
    return agency, result.warnings


def _as_cell(key: str, value: Any) -> Any:
    """A form or JSON value as the cell it stands for (item lists joined as typed in Excel)."""
    if isinstance(value, list) and BY_KEY[key].kind == "codes":
        return ITEM_SEPARATOR.join(str(v) for v in value)
    return value


def _apply(agency: Agency, license_: License | None, filing: Filing | None,
           clean: Mapping[str, Any]) -> None:
    for key in AGENCY_FIELDS:
        setattr(agency, key, clean["division" if key == "division_code" else key])
    now = utcnow()
    if clean.get("license_number"):
        fields = _license(clean, agency.id, agency.import_batch_id, now)
        if license_ is None:
            db.session.add(License(**fields))
        else:
            for key, value in fields.items():
                if key != "created_at":
                    setattr(license_, key, value)
    if clean.get("filing_number"):
        fields = _filing(clean, agency.id, agency.import_batch_id, now)
        if filing is None:
            db.session.add(Filing(**fields))
        else:
            for key, value in fields.items():
                if key != "created_at":
                    setattr(filing, key, value)


def delete_record(identity: Identity, agency_id: int) -> None:
    """Delete an imported record (with its imported licence and filing) unless referred to."""
    try:
        with atomic():
            agency = get_record(identity, agency_id, lock=True)
            refusal = _refusal([agency.id], agency.import_batch_id or 0)
            if refusal:
                raise Conflict(f"不能删除：该机构{refusal}")
            snapshot = record_values(identity, agency)
            _remove([agency.id], agency.import_batch_id or 0)
            audit.record(identity, "delete", "agency", agency_id, from_state=agency.status,
                         reason="历史数据采集：删除", data={"source": SOURCE, "record": snapshot})
    except IntegrityError:
        raise Conflict("不能删除：该机构仍被其他数据引用") from None


def record_warnings(warnings: Mapping[str, str]) -> str:
    return "；".join(f"{BY_KEY[key].header}：{message}" for key, message in warnings.items())
