"""许可证 certificate versions: 换发 after a 事项变更 of a printed fact, 补发 of a lost one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app
from sqlalchemy import select

from portal_plugin.core import audit, catalog, files
from portal_plugin.core.clock import today, utcnow
from portal_plugin.core.errors import Conflict, Invalid, NotFound
from portal_plugin.core.extensions import db
from portal_plugin.core.identity import Identity
from portal_plugin.core.jurisdiction import in_jurisdiction, own_agency, scope
from portal_plugin.core.models import LICENSE_STATUS, MAX_ID, Agency, License
from portal_plugin.core.transaction import atomic
from workflows import documents
from workflows.models import (
    REISSUE_CAUSES,
    REISSUE_STATUS,
    VERSION_KINDS,
    LicenseVersion,
    ReissueRequest,
)

NOT_FOUND = "许可证不存在，或不在您的管辖范围内"
REQUEST_NOT_FOUND = "补发申请不存在，或不在您的管辖范围内"
# The agency facts a 许可证 prints: a 事项变更 of one of them (or of the items) is a 换发.
PRINTED_FACTS = ("name", "address", "legal_rep", "license_items")
# Accepted 遗失声明 files by their first bytes (the name and the browser's type are not trusted).
SIGNATURES = ((b"%PDF-", "application/pdf", ".pdf"), (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
              (b"\x89PNG\r\n\x1a\n", "image/png", ".png"))


def upload_limit() -> int:
    """The largest 遗失声明 in bytes (setting REISSUE_STATEMENT_MAX_BYTES)."""
    return int(current_app.config["REISSUE_STATEMENT_MAX_BYTES"])


def accepted_upload(data: bytes, field: str = "file") -> str:
    """The content type of an uploaded PDF, JPG or PNG judged by its content, or Invalid.

    The one upload check of this module (the materials' shared check may replace it).
    """
    limit = upload_limit()
    if not data:
        raise Invalid({field: "请上传遗失声明文件"})
    if len(data) > limit:
        raise Invalid({field: f"文件超过{limit // (1024 * 1024) or 1} MB的上限"})
    for magic, content_type, _ in SIGNATURES:
        if data.startswith(magic):
            return content_type
    raise Invalid({field: "只接受PDF、JPG或PNG文件（按文件内容判断，不看文件名）"})


def facts(license_: License) -> dict[str, Any]:
    """What the certificate shows now."""
    agency = license_.agency
    return {"holder_name": agency.name, "address": agency.address,
            "legal_rep": agency.legal_rep, "items": list(license_.items)}


def _history(license_id: int) -> list[LicenseVersion]:
    return list(db.session.scalars(select(LicenseVersion).where(
        LicenseVersion.license_id == license_id).order_by(LicenseVersion.version)))


def reissue(license_: License, kind: str, reason: str, identity: Identity, on: dt.date, *,
            before: dict[str, Any] | None = None, case_id: int | None = None,
            request_id: int | None = None) -> LicenseVersion:
    """Issue the licence's next certificate version (same 许可证编号, new date), audited.

    `before` is what the current version showed, kept as its history row when the licence has
    none yet (licences issued before versions were kept, entered or imported).
    """
    if not _history(license_.id):
        first = before or facts(license_)
        db.session.add(LicenseVersion(
            license_id=license_.id, version=license_.certificate_version,
            issued_on=license_.certificate_issued_on or license_.issued_on,
            kind="issue" if license_.certificate_version == 1 else "change", reason=None,
            holder_name=first["holder_name"], address=first["address"],
            legal_rep=first["legal_rep"], items=list(first["items"]),
            created_by=identity.user_id, created_by_name=identity.name))
    old = license_.certificate_version
    license_.certificate_version, license_.certificate_issued_on = old + 1, on
    now = facts(license_)
    version = LicenseVersion(
        license_id=license_.id, version=old + 1, issued_on=on, kind=kind, reason=reason,
        holder_name=now["holder_name"], address=now["address"], legal_rep=now["legal_rep"],
        items=now["items"], case_id=case_id, reissue_request_id=request_id,
        created_by=identity.user_id, created_by_name=identity.name)
    db.session.add(version)
    db.session.flush()
    document = documents.reissue_certificate(license_, utcnow(), on, case_id)
    audit.record(identity, "reissue", "license", license_.id, from_state=str(old),
                 to_state=str(old + 1), reason=reason,
                 data={"kind": kind, "kind_label": VERSION_KINDS[kind],
                       "license_number": license_.license_number, "case": case_id,
                       "reissue_request": request_id, "issued_on": on.isoformat(),
                       "document_id": document.id})
    return version


def after_change(license_: License | None, changed: set[str], before: dict[str, Any],
                 identity: Identity, on: dt.date, case_id: int) -> LicenseVersion | None:
    """换发 when an approved 事项变更 changed what the certificate shows; nothing otherwise."""
    printed = [f for f in PRINTED_FACTS if f in changed]
    if license_ is None or not printed:
        return None
    old = {"holder_name": before.get("name", license_.agency.name),
           "address": before.get("address", license_.agency.address),
           "legal_rep": before.get("legal_rep", license_.agency.legal_rep),
           "items": before.get("license_items") or license_.items}
    labels = {"name": "机构名称", "address": "住所", "legal_rep": "法定代表人",
              "license_items": "许可事项"}
    reason = "事项变更（" + "、".join(labels[f] for f in printed) + "）换发许可证"
    return reissue(license_, "change", reason, identity, on, before=old, case_id=case_id)


def versions(license_: License) -> list[dict[str, Any]]:
    """The certificate's versions, first to current (one synthesised when none was kept)."""
    rows = _history(license_.id)
    if not rows:
        now = facts(license_)
        return [{"version": license_.certificate_version,
                 "issued_on": (license_.certificate_issued_on or license_.issued_on).isoformat(),
                 "kind": "issue", "kind_label": VERSION_KINDS["issue"], "reason": None,
                 **now, "case_id": None, "reissue_request_id": None, "current": True}]
    return [{"version": r.version, "issued_on": r.issued_on.isoformat(), "kind": r.kind,
             "kind_label": VERSION_KINDS[r.kind], "reason": r.reason,
             "holder_name": r.holder_name, "address": r.address, "legal_rep": r.legal_rep,
             "items": list(r.items), "case_id": r.case_id,
             "reissue_request_id": r.reissue_request_id,
             "current": r.version == license_.certificate_version} for r in rows]


# --- licences as the bureau and the holder's clerk read them


def license_for(identity: Identity, license_id: int, *, lock: bool = False) -> License:
    """A licence the identity may read: in the officer's jurisdiction, or the clerk's own."""
    license_ = (db.session.get(License, license_id, with_for_update=lock or None,
                               populate_existing=lock)
                if 0 < license_id <= MAX_ID else None)
    if license_ is None or not _reaches(identity, license_.agency):
        raise NotFound(NOT_FOUND)
    return license_


def _reaches(identity: Identity, agency: Agency) -> bool:
    if identity.is_officer:
        return in_jurisdiction(identity, agency.division_code)
    own = own_agency(identity)
    return own is not None and own.id == agency.id


def license_json(license_: License) -> dict[str, Any]:
    """One licence with its certificate's versions and its 补发 requests."""
    agency = license_.agency
    return {
        "id": license_.id, "license_number": license_.license_number,
        "decision_number": license_.decision_number,
        "agency": {"id": agency.id, "credit_code": agency.credit_code, "name": agency.name,
                   "division": agency.division_code},
        "items": list(license_.items),
        "item_labels": [catalog.labels("license_item").get(i, i) for i in license_.items],
        "issued_on": license_.issued_on.isoformat(),
        "valid_until": license_.valid_until.isoformat() if license_.valid_until else None,
        "status": license_.current_status, "status_label": license_.current_status_label,
        "status_reason": license_.status_reason,
        "issuing_authority": license_.issuing_authority,
        "certificate_version": license_.certificate_version,
        "certificate_issued_on": (license_.certificate_issued_on
                                  or license_.issued_on).isoformat(),
        "parent_license_id": license_.parent_license_id,
        "versions": versions(license_),
        "source": license_.source,
    }


# --- 补发 requests


def request_reissue(identity: Identity, license_id: int, cause: str | None, reason: str | None,
                    file_name: str | None, data: bytes | None) -> ReissueRequest:
    """The clerk reports its valid licence's certificate lost or damaged, with a 遗失声明."""
    license_ = license_for(identity, license_id)
    if not identity.is_agency_clerk or identity.is_officer:
        raise NotFound(NOT_FOUND)
    errors: dict[str, str] = {}
    cause = cause or "lost"  # CONTRACT's multipart is `reason` and `file`; 遗失 unless told
    if cause not in REISSUE_CAUSES:
        errors["cause"] = "请选择遗失或损坏"
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = "请填写补发原因"
    elif len(reason) > 1000:
        errors["reason"] = "不能超过1000个字"
    content_type = None
    try:
        content_type = accepted_upload(data or b"")
    except Invalid as exc:
        errors.update(exc.fields or {})
    if errors:
        raise Invalid(errors)
    assert content_type is not None and data is not None
    if license_.status != "valid":
        raise Conflict(f"该许可证已不是有效状态（{LICENSE_STATUS[license_.status]}），不能申请补发")
    with atomic():
        pending = db.session.scalar(select(ReissueRequest.id).where(
            ReissueRequest.license_id == license_.id, ReissueRequest.status == "pending"))
        if pending is not None:
            raise Conflict("该许可证已有待处理的补发申请")
        request = ReissueRequest(
            license_id=license_.id, agency_id=license_.agency_id,
            division_code=license_.agency.division_code, cause=cause, reason=reason,
            file_key="", file_name=(file_name or "遗失声明")[-255:], status="pending",
            created_by=identity.user_id, created_by_name=identity.name)
        db.session.add(request)
        db.session.flush()
        extension = next(ext for _, kind, ext in SIGNATURES if kind == content_type)
        request.file_key = f"reissue/{request.id}{extension}"
        files.put(request.file_key, data, name=request.file_name, content_type=content_type,
                  created_by=identity.user_id)
        audit.record(identity, "request_reissue", "reissue_request", request.id,
                     to_state="pending", reason=reason,
                     data={"license": license_.license_number, "cause": cause})
    return request


def requests_of(identity: Identity, license_id: int) -> list[ReissueRequest]:
    """A licence's 补发 requests, the latest first."""
    license_ = license_for(identity, license_id)
    return list(db.session.scalars(select(ReissueRequest).where(
        ReissueRequest.license_id == license_.id).order_by(ReissueRequest.id.desc())))


def pending_requests(identity: Identity) -> list[ReissueRequest]:
    """The 补发 requests awaiting the officer's bureau, oldest first."""
    return list(db.session.scalars(select(ReissueRequest).where(
        scope(ReissueRequest.division_code, identity), ReissueRequest.status == "pending")
        .order_by(ReissueRequest.id)))


def request_for(identity: Identity, request_id: int, *, lock: bool = False) -> ReissueRequest:
    request = (db.session.get(ReissueRequest, request_id, with_for_update=lock or None,
                              populate_existing=lock)
               if 0 < request_id <= MAX_ID else None)
    if request is None or not (
            in_jurisdiction(identity, request.division_code) if identity.is_officer
            else _reaches(identity, request.license.agency)):
        raise NotFound(REQUEST_NOT_FOUND)
    return request


def decide(identity: Identity, request_id: int, action: str,
           reason: str | None) -> ReissueRequest:
    """【补发】 issues the next certificate version; 【退回】 returns the request with a reason."""
    reason = (reason or "").strip()
    with atomic():
        request = request_for(identity, request_id, lock=True)
        if request.status != "pending":
            raise Conflict(f"该补发申请已处理（{REISSUE_STATUS[request.status]}）")
        if action == "return" and not reason:
            raise Invalid({"reason": "请填写退回原因"})
        if len(reason) > 1000:
            raise Invalid({"reason": "不能超过1000个字"})
        license_ = db.session.get(License, request.license_id, with_for_update=True,
                                  populate_existing=True)
        assert license_ is not None
        request.decided_by_name, request.decided_at = identity.name, utcnow()
        request.decision_reason = reason or None
        if action == "reissue":
            if license_.status != "valid":
                raise Conflict("该许可证已不是有效状态，不能补发")
            cause = REISSUE_CAUSES[request.cause]
            version = reissue(license_, "replacement", f"许可证{cause}补发" +
                              (f"：{reason}" if reason else ""), identity, today(),
                              request_id=request.id)
            request.status, request.version = "reissued", version.version
        else:
            request.status = "returned"
        audit.record(identity, action, "reissue_request", request.id, from_state="pending",
                     to_state=request.status, reason=reason or None,
                     data={"license": license_.license_number, "version": request.version})
    return request


def request_json(request: ReissueRequest) -> dict[str, Any]:
    license_ = request.license
    return {
        "id": request.id, "license_id": request.license_id,
        "license_number": license_.license_number,
        "agency": {"id": license_.agency.id, "name": license_.agency.name,
                   "credit_code": license_.agency.credit_code},
        "division": request.division_code, "cause": request.cause,
        "cause_label": REISSUE_CAUSES[request.cause], "reason": request.reason,
        "file_name": request.file_name, "status": request.status,
        "status_label": REISSUE_STATUS[request.status],
        "decision_reason": request.decision_reason, "version": request.version,
        "created_by_name": request.created_by_name,
        "created_at": request.created_at.isoformat(),
        "decided_by_name": request.decided_by_name,
        "decided_at": request.decided_at.isoformat() if request.decided_at else None,
    }
