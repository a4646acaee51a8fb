"""The cases API's objects (applications, decisions, cases) and the registry records' lists."""

import datetime as dt
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model

from portal_plugin.core.models import FILING_STATUS, LICENSE_STATUS, RECORD_SOURCE
from portal_plugin.core.permissions import WORKFLOWS
from portal_plugin.core.schemas import (
    AGENCY_FACTS,
    AgencyFacts,
    AgencyRef,
    Answer,
    DivisionCode,
    Event,
    Id,
    Paging,
    code_of,
    codes_of,
    fields,
    one_of,
)
from portal_plugin.core.validation import RegistryDate, Text, problem
from workflows import change, commitment, deregistration
from workflows.engine import DELIVERY, STATUS_LABELS
from workflows.models import REISSUE_CAUSES, REISSUE_STATUS, VERSION_KINDS

# Which clock a case's `deadline` is (DOMAIN.md "Deadlines").
CLOCKS = {"accept": "受理期限", "decision": "审批期限", "issue": "发证期限"}
ISSUANCE_LABELS = {"issued_on": "发证日期", "delivery": "送达方式"}


def Code_(table: dict[str, str], label: str) -> Any:  # noqa: N802 (a type)
    """Text that is one of a fixed table's codes."""

    def rule(value: str) -> str:
        if value not in table:
            raise problem("unknown_code")
        return value

    return Annotated[Text(20, label), Field(json_schema_extra={"enum": list(table)}),
                     AfterValidator(rule)]

Workflow = one_of(WORKFLOWS)

Changes = create_model(
    "Changes", __doc__="The facts that change, each with its new value (at least one).",
    __config__=ConfigDict(json_schema_extra={"minProperties": 1}),
    **fields(AGENCY_FACTS, change.AGENCY_FIELDS, every=True),
    **{key: (codes_of(kind) | None, None) for key, kind in change.ITEM_FIELDS.items()})


class Target(BaseModel):
    """A licence or filing of the agency's to deregister."""

    kind: one_of(deregistration.MODELS)
    id: Id


# The licensing form's 专职工作人员 list (《人力资源服务机构管理规定》 Art 6: three or more).
STAFF_LABELS = {"name": "姓名", "id_type": "证件类型", "id_no": "证件号码", "position": "职务",
                "full_time": "是否专职"}
MIN_FULL_TIME_STAFF = 3


class StaffMember(BaseModel):
    """One of the agency's staff as the licensing application lists them."""

    name: Text(50, STAFF_LABELS["name"])
    id_type: code_of("id_type", STAFF_LABELS["id_type"])
    id_no: Annotated[Text(30, STAFF_LABELS["id_no"]),
                     Field(description="居民身份证: GB 11643 check digit")]
    position: Text(50, STAFF_LABELS["position"])
    full_time: bool = Field(title=STAFF_LABELS["full_time"])


class CaseBody(BaseModel):
    """An application: licensing takes agency + license_items; filing agency + filing_items;
    change changes; branch branch; deregistration targets + ground; renewal license_id. For change, branch and
    deregistration the agency is the clerk's registered one."""

    agency: AgencyFacts | None = None
    license_items: codes_of("license_item", "许可事项") | None = None
    staff: Annotated[list[StaffMember], Field(max_length=500)] | None = Field(
        None, description=f"licensing: the staff, at least {MIN_FULL_TIME_STAFF} full-time")
    filing_items: codes_of("filing_item", "备案事项") | None = None
    changes: Changes | None = None
    branch: AgencyFacts | None = None
    targets: Annotated[list[Target], Field(min_length=1)] | None = None
    ground: code_of("deregistration_ground", "注销原因") | None = None
    procedure: one_of(commitment.PROCEDURES) | None = Field(
        None, description="licensing: ordinary (一般程序, the default) or commitment (告知承诺制; "
                          "refused for an agency on the exclusion list)")
    commitment_accepted: bool | None = Field(
        None, description="licensing with commitment: true, the 承诺书 accepted (required)")
    license_id: Id | None = Field(None, description="renewal: the clerk's own licence in force")
    submit: bool = Field(False, description="create only: submit at once")
    version: int | None = Field(None, description="edit only: the version last read")


class MaterialUpload(BaseModel):
    """One application material: its kind (a `materials` code of the catalogue) and the file
    (PDF, JPG or PNG, told by its content)."""

    kind: Text(20, "材料种类")
    file: bytes = Field(json_schema_extra={"format": "binary"})


class Material(Answer):
    """An uploaded application material."""

    id: int
    kind: str
    label: str
    name: str = Field(description="the uploaded file's name, for display only")
    content_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime


class MaterialPath(BaseModel):
    wf: Workflow
    case_id: Id
    material_id: Id


class CaseAgency(Answer):
    """The applicant as a case names it."""

    credit_code: str
    name: str


class Case(BaseModel):
    """A case as a list row; the numbers appear once a decision gave them."""

    id: int
    case_no: str | None = Field(description="办件编号, from submission on")
    workflow: Workflow
    status: one_of(STATUS_LABELS)
    status_label: str
    version: int
    agency: CaseAgency
    division: str = Field(description="the handling bureau's division")
    submitted_at: dt.datetime | None
    accepted_at: dt.datetime | None
    decided_at: dt.datetime | None
    reason: str | None
    deadline: dt.date | None
    days_left: int | None = Field(description="working days left, < 0 overdue")
    deadline_flag: str | None = Field(description="yellow when due soon, red when overdue")
    actions: list[str] = Field(description="what the caller may do now")
    accept_due: dt.date | None = Field(
        description="补正告知 due: 5 working days from (re)submission; 退回 is refused after it")
    decision_due: dt.date | None = Field(
        description="decision due, working days from submission (+ the extension)")
    issue_due: dt.date | None = Field(
        description="licensing, once approved: 登记发证 due, 10 working days from approval")
    extended: bool = Field(description="whether 【延长审批期限】 was taken (once per case)")
    extension_reason: str | None = Field(description="why, as the agency is told")
    deemed_accepted: bool = Field(
        description="视为受理: the acceptance clock ran out without 退回 (《行政许可法》 Art 32)")
    clock: one_of(CLOCKS) | None = Field(description="the clock `deadline` belongs to")
    issued_on: dt.date | None = Field(description="登记发证: the day the certificate was issued")
    delivery: one_of(DELIVERY) | None = Field(description="登记发证: how it was delivered")
    license_number: str | None = None
    decision_number: str | None = None
    filing_number: str | None = None
    document_number: str | None = None


class CaseAgencyDetail(CaseAgency):
    """The applicant with the division the application names."""

    division: str | None


class CaseEvent(Event):
    """One step of a case's 流转记录."""

    actor_division: str | None


class CaseDetail(Case):
    """One case with its application, result and 流转记录."""

    agency: CaseAgencyDetail
    application: dict[str, Any]
    result: dict[str, Any] | None
    materials: list[Material] = Field(description="the application materials (申请材料)")
    events: list[CaseEvent]


class CaseQuery(Paging):
    """The case list's conditions."""

    q: str | None = Field(None, description="agency name (part), credit code or case number")
    status: one_of(STATUS_LABELS) | None = None
    name: str | None = Field(None, description="agency name (part)")
    credit_code: str | None = None
    case_no: str | None = None
    division: DivisionCode | None = None
    submitted_from: dt.date | None = None
    submitted_to: dt.date | None = None


class Extension(BaseModel):
    """【延长审批期限】: why (the agency is told), and the version read."""

    reason: Annotated[str, Field(description="required; shown to the agency")]
    version: Annotated[int | None, Field(description="the version last read (409 if stale)")] = None


class Issuance(BaseModel):
    """【登记发证】: the day the certificate was issued and how it was delivered."""

    issued_on: Annotated[RegistryDate(ISSUANCE_LABELS["issued_on"]), Field(
        description="not in the future, not before the decision")]
    delivery: Annotated[Code_(DELIVERY, ISSUANCE_LABELS["delivery"]), Field(
        description=", ".join(f"{code} {label}" for code, label in DELIVERY.items()))]
    version: Annotated[int | None, Field(description="the version last read (409 if stale)")] = None


class CasePath(BaseModel):
    """The case type in a case's path."""

    wf: Workflow


class RecordAgency(Answer):
    """The agency a record belongs to."""

    id: int
    credit_code: str
    name: str
    division: str


class RecordQuery(Paging):
    """The licence and filing lists' conditions (the 查看 pages')."""

    q: str | None = Field(None, description="agency name (part), credit code or number")
    name: str | None = Field(None, description="agency name (part)")
    credit_code: str | None = None
    number: str | None = Field(None, description="licence or filing number")
    division: DivisionCode | None = None
    granted_from: dt.date | None = Field(None, description="issued / filed on or after")
    granted_to: dt.date | None = Field(None, description="issued / filed on or before")


class LicenseQuery(RecordQuery):
    """The licence list's conditions."""

    status: one_of(LICENSE_STATUS) | None = None
    expiring_within: int | None = Field(
        None, ge=0, le=3650,
        description="in force and ending within so many calendar days (e.g. 90); 长期 never")


class FilingQuery(RecordQuery):
    """The filing list's conditions."""

    status: one_of(FILING_STATUS) | None = None


class LicenseRecord(Answer):
    """A licence in the registry."""

    id: int
    license_number: str
    decision_number: str | None
    agency: RecordAgency
    items: list[str]
    issued_on: dt.date
    valid_until: dt.date | None
    status: one_of(LICENSE_STATUS)
    status_label: str
    source: one_of(RECORD_SOURCE)


class FilingRecord(Answer):
    """A filing in the registry."""

    id: int
    filing_number: str
    agency: RecordAgency
    items: list[str]
    filed_on: dt.date
    status: one_of(FILING_STATUS)
    status_label: str
    source: one_of(RECORD_SOURCE)


class CertificateVersion(Answer):
    """One version of a licence's certificate (首次发证, 换发 or 补发) and what it showed."""

    version: int
    issued_on: dt.date
    kind: one_of(VERSION_KINDS)
    kind_label: str
    reason: str | None
    holder_name: str
    address: str
    legal_rep: str
    items: list[str]
    case_id: int | None = Field(description="the 事项变更 case of a 换发")
    reissue_request_id: int | None = Field(description="the 补发 request of a 补发")
    current: bool


class LicenseDetail(LicenseRecord):
    """One licence with its certificate's versions (the current one last)."""

    item_labels: list[str]
    status_reason: str | None
    issuing_authority: str | None
    certificate_version: int
    certificate_issued_on: dt.date
    parent_license_id: int | None = Field(description="a branch's licence: the parent's licence")
    versions: list[CertificateVersion]


class ReissueUpload(BaseModel):
    """A 补发 request: lost or damaged, why, and the 遗失声明 (PDF, JPG or PNG)."""

    cause: one_of(REISSUE_CAUSES) = Field("lost", description="遗失 (lost, the default) or 损坏")
    reason: str = Field(max_length=1000)
    file: bytes = Field(json_schema_extra={"format": "binary"})


class ReissueRequestOut(Answer):
    """A 补发 request and its outcome."""

    id: int
    license_id: int
    license_number: str
    agency: AgencyRef
    division: str
    cause: one_of(REISSUE_CAUSES)
    cause_label: str
    reason: str
    file_name: str
    status: one_of(REISSUE_STATUS)
    status_label: str
    decision_reason: str | None
    version: int | None = Field(description="the certificate version a 补发 issued")
    created_by_name: str
    created_at: dt.datetime
    decided_by_name: str | None
    decided_at: dt.datetime | None


class ReissueList(Answer):
    """A licence's 补发 requests, the latest first."""

    items: list[ReissueRequestOut]

