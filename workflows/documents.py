"""Written decisions (文书): what each transition issues, numbered and snapshotted in its transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from portal_plugin.core import catalog
from portal_plugin.core.clock import utcnow
from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency, Filing, License, UTCDateTime
from workflows import numbering
from workflows.models import Case

if TYPE_CHECKING:
    from workflows.engine import CaseType, Context

# 《行政许可法》 Art 38: a refusal states the reasons and the applicant's remedies.
REMEDY = ("如不服本决定，可在收到本决定书之日起六十日内依法申请行政复议，"
          "或者在六个月内依法向人民法院提起行政诉讼。")
# The licence item the rules want annotated on the certificate (开展网络招聘服务).
ONLINE_ITEM_LABEL = "开展网络招聘服务"


class Document(db.Model):
    """One issued document: its kind, number, authority, date and the facts it prints, frozen."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("kind", "number", "version", name="uq_documents_kind_number_version"),
        Index("ix_documents_case", "case_id"),
        Index("ix_documents_license", "license_id"),
        Index("ix_documents_filing", "filing_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    number: Mapped[str] = mapped_column(String(60))
    # A reissued certificate (换发 / 补发) is a new version of the same document.
    version: Mapped[int] = mapped_column(default=1)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    license_id: Mapped[int | None] = mapped_column(ForeignKey("licenses.id"))
    filing_id: Mapped[int | None] = mapped_column(ForeignKey("filings.id"))
    credit_code: Mapped[str | None] = mapped_column(String(18))  # the addressee agency
    division_code: Mapped[str] = mapped_column(String(6))  # the issuing division
    authority_name: Mapped[str] = mapped_column(String(100))
    authority_credit_code: Mapped[str | None] = mapped_column(String(18))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    issued_on: Mapped[dt.date]  # the local date printed on the document
    # Every fact the document prints: it is rendered from here, never from live rows.
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)


@dataclass(frozen=True)
class Kind:
    """A document kind: its title, and the number series it takes (None: a number it reuses)."""

    title: str
    series: str | None
    refusal: bool = False


KINDS: dict[str, Kind] = {
    "acceptance_notice": Kind("受理通知书", "acceptance"),
    "correction_notice": Kind("补正告知书", "correction"),
    "non_acceptance": Kind("不予受理决定书", "non_acceptance"),
    "license_grant": Kind("准予行政许可决定书", None),  # the licence's 决定文号
    "license_refusal": Kind("不予行政许可决定书", "refusal", True),
    "certificate": Kind("人力资源服务许可证", None),  # the 许可证编号
    "filing_receipt": Kind("备案回执", None),  # the 备案编号
    "filing_refusal": Kind("不予备案决定书", "filing_refusal", True),
    "deregistration_grant": Kind("准予注销决定书", None),  # the 注销文号
    "deregistration_refusal": Kind("不予注销决定书", "deregistration_refusal", True),
    "change_grant": Kind("准予变更决定书", "change"),
    "change_refusal": Kind("不予变更决定书", "change_refusal", True),
    "branch_grant": Kind("准予分支机构设立决定书", "branch"),
    "branch_refusal": Kind("不予分支机构设立决定书", "branch_refusal", True),
    "renewal_grant": Kind("准予延续行政许可决定书", None),  # the renewal's 决定文号
    "renewal_refusal": Kind("不予延续行政许可决定书", "refusal", True),
}

# Which documents each transition issues: (workflow or "*", action) → kinds. 【退回】 issues a
# 补正告知书 each time: the law wants 补正 told once and completely, but the engine lets a
# resubmitted case be returned again (a new omission), and each return is a notice the
# applicant must receive, so each gets its own number.
AT_STEP: dict[tuple[str, str], tuple[str, ...]] = {
    ("*", "accept"): ("acceptance_notice",),
    ("*", "return"): ("correction_notice",),
    ("*", "reject"): ("non_acceptance",),
    ("licensing", "approve"): ("license_grant", "certificate"),
    ("licensing", "refuse"): ("license_refusal",),
    ("filing", "approve"): ("filing_receipt",),
    ("filing", "refuse"): ("filing_refusal",),
    ("deregistration", "approve"): ("deregistration_grant",),
    ("deregistration", "refuse"): ("deregistration_refusal",),
    ("change", "approve"): ("change_grant",),
    ("change", "refuse"): ("change_refusal",),
    ("branch", "approve"): ("branch_grant",),
    ("branch", "refuse"): ("branch_refusal",),
    ("renewal", "approve"): ("renewal_grant",),
    ("renewal", "refuse"): ("renewal_refusal",),
}


# The number series the documents take (each kind its own; numbering.DEFAULT_FORMATS).
SERIES = tuple(k.series for k in KINDS.values() if k.series)


def certificate_version(license_: License) -> int:
    """The certificate's current version (换发 / 补发 add one, workflows/certificates.py)."""
    return license_.certificate_version


def kinds_for(workflow: str, action: str) -> tuple[str, ...]:
    return AT_STEP.get((workflow, action)) or AT_STEP.get(("*", action)) or ()


def issue_for(wf: CaseType, case: Case, action: str, ctx: Context) -> list[Document]:
    """Issue the documents of this transition (engine.take calls it after the state change)."""
    return [issue(kind, wf, case, ctx) for kind in kinds_for(wf.name, action)]


def _authority(division: str) -> tuple[str, str | None]:
    from workflows import common  # common imports the engine, which imports this module

    return common.authority(division)


def _agency_facts(case: Case) -> dict[str, Any]:
    agency = case.payload.get("agency") or {}
    return {"agency_name": agency.get("name") or case.agency_name,
            "credit_code": case.credit_code,
            "legal_rep": agency.get("legal_rep"), "address": agency.get("address")}


def _items(kind: str, codes: list[str]) -> list[str]:
    labels = catalog.labels(kind)
    return [labels.get(code, code) for code in codes]


def license_facts(license_: License) -> dict[str, Any]:
    """What a certificate prints of a licence and its holder."""
    agency: Agency = license_.agency
    items = _items("license_item", list(license_.items or []))
    return {"holder": agency.name, "credit_code": agency.credit_code,
            "legal_rep": agency.legal_rep, "address": agency.address,
            "license_number": license_.license_number,
            "items": [f"（{i}）" if i == ONLINE_ITEM_LABEL else i for i in items],
            "issued_on": license_.issued_on.isoformat(),
            "valid_until": license_.valid_until.isoformat() if license_.valid_until else None,
            "authority": license_.issuing_authority, "verify_key": license_.verify_key}


def issue(kind: str, wf: CaseType, case: Case, ctx: Context) -> Document:
    """Number, snapshot and store one document of the case, in the caller's transaction."""
    spec = KINDS[kind]
    result = case.result or {}
    division = case.division_code
    facts: dict[str, Any] = {"title": spec.title, "case_no": case.case_no,
                             "workflow_label": wf.label, **_agency_facts(case)}
    license_id = filing_id = None
    if kind in ("license_grant", "certificate"):
        license_ = db.session.get(License, result["license_id"])
        assert license_ is not None
        license_id = license_.id
        facts.update(license_facts(license_))
        number = license_.decision_number if kind == "license_grant" else license_.license_number
    elif kind == "filing_receipt":
        filing = db.session.get(Filing, result["filing_id"])
        assert filing is not None
        filing_id, number = filing.id, filing.filing_number
        facts.update(filing_number=filing.filing_number, filed_on=filing.filed_on.isoformat(),
                     items=_items("filing_item", list(filing.items or [])),
                     verify_key=filing.verify_key)
    elif kind == "renewal_grant":
        license_ = db.session.get(License, result["license_id"])
        assert license_ is not None
        license_id, number = license_.id, result["decision_number"]
        facts.update(license_facts(license_), valid_until_before=result["valid_until_before"])
    elif kind == "deregistration_grant":
        number = result["document_number"]
        facts["targets"] = _targets(case)
        facts["ground"] = catalog.labels("deregistration_ground").get(case.payload.get("ground"))
    else:
        assert spec.series is not None
        number = numbering.issue(spec.series, division, ctx.today)
    if kind == "license_grant":
        facts["valid_until"] = facts.get("valid_until")
    if kind in ("correction_notice", "non_acceptance") or spec.refusal:
        facts["reason"] = case.reason
    if spec.refusal or kind == "non_acceptance":
        facts["remedy"] = REMEDY
    if kind in ("acceptance_notice", "correction_notice", "non_acceptance"):
        facts["submitted_on"] = (case.submitted_at.date().isoformat()
                                 if case.submitted_at else None)
    name, code = _authority(division)
    facts.update(authority=facts.get("authority") or name, authority_credit_code=code,
                 number=number, issued_on=ctx.today.isoformat())
    version = 1
    if kind == "certificate" and license_id is not None:
        license_row = db.session.get(License, license_id)
        assert license_row is not None
        version = certificate_version(license_row)
        facts["version"] = version
    document = Document(kind=kind, number=number, version=version, case_id=case.id,
                        license_id=license_id, filing_id=filing_id, credit_code=case.credit_code,
                        division_code=division, authority_name=name, authority_credit_code=code,
                        issued_at=ctx.now, issued_on=ctx.today, facts=facts)
    db.session.add(document)
    db.session.flush()
    return document


def reissue_certificate(license_: License, now: dt.datetime, on: dt.date,
                        case_id: int | None = None) -> Document:
    """The certificate's new version after a 换发 or 补发: the same 许可证编号, the licence's
    facts as they are now, the new date (the old versions stay, each its own document)."""
    division = license_.issuing_division or license_.agency.division_code
    name, code = _authority(division)
    facts = {"title": KINDS["certificate"].title, **license_facts(license_),
             "authority_credit_code": code, "number": license_.license_number,
             "issued_on": on.isoformat(), "version": license_.certificate_version}
    facts["authority"] = facts.get("authority") or name
    document = Document(kind="certificate", number=license_.license_number,
                        version=license_.certificate_version, case_id=case_id,
                        license_id=license_.id, credit_code=license_.agency.credit_code,
                        division_code=division, authority_name=name, authority_credit_code=code,
                        issued_at=now, issued_on=on, facts=facts)
    db.session.add(document)
    db.session.flush()
    return document


def _targets(case: Case) -> list[str]:
    """The deregistered records as the decision names them (人力资源服务许可证 （津）…)."""
    out = []
    for target in case.payload.get("targets", []):
        model = License if target["kind"] == "license" else Filing
        record = db.session.get(model, target["id"])
        if isinstance(record, License):
            out.append(f"人力资源服务许可证（{record.license_number}）")
        elif isinstance(record, Filing):
            out.append(f"业务备案（{record.filing_number}）")
    return out


def of_case(case_id: int) -> list[Document]:
    return list(db.session.scalars(
        select(Document).where(Document.case_id == case_id).order_by(Document.id)))


def of_license(license_id: int) -> list[Document]:
    return list(db.session.scalars(
        select(Document).where(Document.license_id == license_id).order_by(Document.id)))


def certificate_of(license_: License) -> Document | None:
    """The certificate document of the licence's current version (None for registry-only ones)."""
    return db.session.scalar(select(Document).where(
        Document.license_id == license_.id, Document.kind == "certificate",
        Document.version == certificate_version(license_)))


def title(kind: str) -> str:
    return KINDS[kind].title
