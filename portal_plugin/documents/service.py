"""Who may read which document, licence and verification facts (one layer for pages and API)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, url_for
from sqlalchemy import select

from portal_plugin.annual_reports.models import AnnualReport
from portal_plugin.core import catalog
from portal_plugin.core.clock import local_zone, utcnow
from portal_plugin.core.errors import NotFound
from portal_plugin.core.extensions import db
from portal_plugin.core.identity import Identity
from portal_plugin.core.models import LICENSE_STATUS, MAX_ID, Filing, License
from workflows import certificates, common, documents, engine
from workflows.documents import Document
from workflows.models import Case

GONE = "文书不存在或不在您的管辖范围内"
FILING_STATUS_LABELS = {"valid": "有效", "deregistered": "已注销", "revoked": "已撤销",
                        "cancelled": "已吊销", "expired": "已过期"}


def today() -> dt.date:
    return utcnow().astimezone(local_zone()).date()


def case_documents(workflow: str, case_id: int, identity: Identity) -> list[Document]:
    """The documents of a case the identity may read (as the case: its officers, its clerk)."""
    wf = engine.case_type(workflow)
    if not engine.can_read(identity, wf):
        raise NotFound("办件不存在或不在您的管辖范围内")
    case = engine.load(wf, case_id, identity)
    return documents.of_case(case.id)


def license_for(license_id: int, identity: Identity) -> License:
    """A licence in the officer's jurisdiction or of the clerk's own agency (the one rule,
    workflows.certificates.license_for); otherwise NotFound."""
    return certificates.license_for(identity, license_id)


def document_for(document_id: int, identity: Identity) -> Document:
    """A document readable as its case (or, for a certificate, as its licence)."""
    document = db.session.get(Document, document_id) if 0 < document_id <= MAX_ID else None
    if document is None:
        raise NotFound(GONE)
    try:
        if document.case_id is not None:
            case = db.session.get(Case, document.case_id)
            assert case is not None
            case_documents(case.workflow, case.id, identity)
        elif document.license_id is not None:
            license_for(document.license_id, identity)
        else:
            raise NotFound(GONE)
    except NotFound:
        raise NotFound(GONE) from None
    return document


def verify_url(key: str | None) -> str | None:
    """{PUBLIC_BASE_URL or the request's root}/verify/{key}: what the QR code holds."""
    if not key:
        return None
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return f"{str(base).rstrip('/')}/verify/{key}"
    return url_for("hrm.verify.page", key=key, _external=True)


def document_url(document: Document) -> str:
    return url_for("hrm.documents_api.pdf", document_id=document.id)


def document_json(document: Document) -> dict[str, Any]:
    return {"id": document.id, "kind": document.kind, "title": documents.title(document.kind),
            "number": document.number, "version": document.version,
            "issued_at": document.issued_at.isoformat(), "url": document_url(document)}


def verify_url_of(document: Document) -> str | None:
    return verify_url(document.facts.get("verify_key"))


def license_json(license_: License) -> dict[str, Any]:
    """GET /api/v1/licenses/{id}: the licence with its certificate versions (换发 / 补发), its
    current status (已过期 computed), verify URL and documents."""
    docs = documents.of_license(license_.id)
    return {**certificates.license_json(license_),
            "verify_url": verify_url(license_.verify_key),
            "documents": [document_json(d) for d in docs]}


def verify_facts(key: str) -> dict[str, Any]:
    """The public facts behind a verification key (never ID numbers or phones); NotFound."""
    if not key or len(key) > 64:
        raise NotFound("核验码无效")
    license_ = db.session.scalar(select(License).where(License.verify_key == key))
    if license_ is not None:
        agency = license_.agency
        status = license_.current_status
        items = catalog.labels("license_item")
        facts: dict[str, Any] = {
            "type": "license", "type_label": "人力资源服务许可证",
            "number_label": "许可证编号", "number": license_.license_number,
            "items_label": "服务范围",
            "items": ["职业中介活动"] + [items.get(c, c) for c in license_.items or []],
            "issued_on": license_.issued_on.isoformat(),
            "valid_until": license_.valid_until.isoformat() if license_.valid_until else None,
            "authority": license_.issuing_authority,
            "authority_division": license_.issuing_division,
            # The certificate in force: 换发 / 补发 / 延续 give it a new version and date.
            "certificate_version": license_.certificate_version,
            "certificate_issued_on": (license_.certificate_issued_on
                                      or license_.issued_on).isoformat()}
    else:
        filing = db.session.scalar(select(Filing).where(Filing.verify_key == key))
        if filing is None:
            raise NotFound("核验码无效")
        agency = filing.agency
        status = filing.status
        items = catalog.labels("filing_item")
        facts = {"type": "filing", "type_label": "人力资源服务业务备案",
                 "number_label": "备案编号", "number": filing.filing_number,
                 "items_label": "备案事项",
                 "items": [items.get(c, c) for c in filing.items or []],
                 "issued_on": filing.filed_on.isoformat(), "valid_until": None,
                 "authority": None, "authority_division": agency.division_code}
    if facts["authority"] is None:
        facts["authority"] = common.authority_name(facts["authority_division"])
    report = db.session.scalar(
        select(AnnualReport).where(AnnualReport.agency_id == agency.id,
                                   AnnualReport.status.in_(("submitted", "passed", "returned")))
        .order_by(AnnualReport.year.desc()).limit(1))
    facts.update(
        name=agency.name, credit_code=agency.credit_code, status=status,
        status_label=LICENSE_STATUS.get(status) or FILING_STATUS_LABELS.get(status, status),
        annual_report=None if report is None else {
            "year": report.year, "passed": report.status == "passed",
            "label": {"passed": "已通过", "submitted": "已报送（待审核）",
                      "returned": "已退回"}[report.status]})
    facts["metadata"] = metadata(facts, key)
    del facts["authority_division"]
    return facts


# GB/T 36903 (电子证照 元数据): 名称, 类型代码, 编号, 标识, 颁发机构, 颁发日期, 持证主体.
TYPE_CODES = {"license": "11120000HRMXK", "filing": "11120000HRMBA"}


def metadata(facts: dict[str, Any], key: str) -> dict[str, Any]:
    """The e-licence metadata block and its identifier.

    The identifier follows the GB/T 36904 shape 「证照类型代码.颁发机构代码.证照流水号.校验位」:
    the type code above, the issuing division's 6-digit code (the authority's own credit code
    when loaded would be the stricter choice), the record's number reduced to its digits, and
    a check digit (ISO 7064 MOD 11-2 over those digits, as the resident ID uses).
    """
    digits = "".join(ch for ch in str(facts["number"]) if ch.isdigit())
    body = f"{TYPE_CODES[facts['type']]}{facts['authority_division']}{digits}"
    check = mod11_2("".join(ch for ch in body if ch.isdigit()))
    return {"名称": facts["type_label"], "类型代码": TYPE_CODES[facts["type"]],
            "编号": facts["number"],
            "标识": f"{TYPE_CODES[facts['type']]}.{facts['authority_division']}.{digits}.{check}",
            "颁发机构": facts["authority"], "颁发日期": facts["issued_on"],
            "持证主体": {"名称": facts["name"], "统一社会信用代码": facts["credit_code"]},
            "verify_key": key}


def mod11_2(digits: str) -> str:
    """ISO 7064 MOD 11-2 check character of a digit string."""
    p = 0
    for ch in digits:
        p = (p + int(ch)) * 2 % 11
    return "0123456789X"[(12 - p) % 11]
