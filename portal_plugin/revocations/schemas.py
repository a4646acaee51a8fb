"""注销单位行政许可's API objects: the revocation the bureau records, as answered, and its query."""

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field

from portal_plugin.core.models import AGENCY_STATUS, LICENSE_STATUS, MAX_ID
from portal_plugin.core.schemas import AgencyRef, Answer, DivisionCode, Paging, code_of, one_of, text
from portal_plugin.core.validation import Missing, RegistryDate, Text, problem, whole_number
from portal_plugin.revocations.models import STATUS_BY_GROUND, Revocation

GROUND_KIND = "revocation_ground"
LABELS = {
    "agency": "机构", "license_id": "许可证", "ground": "注销原因", "decision_date": "决定日期",
    "document_number": "文号", "remarks": "备注",
}
_LEFT = ", ".join(f"{ground} leaves the licence {LICENSE_STATUS[status]}"
                  for ground, status in STATUS_BY_GROUND.items())


def _license_id(value: Any) -> int:
    number = whole_number(value)
    if number is None or not 0 < number <= MAX_ID:
        raise problem("not_id", what=LABELS["license_id"])
    return number


LicenseId = Annotated[int, Field(ge=1, le=MAX_ID, title=LABELS["license_id"],
                                 description=f"{LABELS['license_id']}: a valid licence of an "
                                             "agency in the caller's jurisdiction"),
                      Missing("请选择要注销的许可证"), BeforeValidator(_license_id)]


class RevocationFields(BaseModel):
    """What a revocation states."""

    license_id: LicenseId
    ground: Annotated[code_of(GROUND_KIND, LABELS["ground"]), Field(
        description=f"{LABELS['ground']}; {_LEFT}, the others {LICENSE_STATUS['deregistered']}")]
    decision_date: Annotated[RegistryDate(LABELS["decision_date"]), Field(
        description=f"{LABELS['decision_date']}, not in the future, not before the licence")]
    remarks: Text(500, LABELS["remarks"]) | None = None


class RevocationIn(RevocationFields):
    """A licence to revoke: the record, the licence, the agency left empty, in one transaction."""

    document_number: Annotated[text(Revocation.document_number, LABELS["document_number"]) | None,
                               Field(description="from the 注销文号 series if empty")] = None


class RevocationAgency(AgencyRef):
    """The agency whose licence was revoked."""

    status: one_of(AGENCY_STATUS)


class RevocationOut(RevocationFields, Answer):
    """A recorded revocation."""

    id: int
    document_number: str
    license_number: str
    license_status: one_of(LICENSE_STATUS)
    license_status_label: str
    agency: RevocationAgency
    division: str
    division_name: str
    ground_label: str
    created_by_name: str
    created_at: dt.datetime


class RevocationQuery(Paging):
    """The revocation list's conditions."""

    name: str | None = Field(None, description="机构名称 (part)")
    credit_code: str | None = Field(None, description="统一社会信用代码")
    license_number: str | None = Field(None, description="许可证编号")
    ground: code_of(GROUND_KIND, LABELS["ground"]) | None = None
    decided_from: dt.date | None = Field(None, description="决定日期 from")
    decided_to: dt.date | None = Field(None, description="决定日期 to")
    division: DivisionCode | None = Field(None, description="the agency's district")
