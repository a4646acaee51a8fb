"""注销单位行政许可's API objects: the revocation the bureau records, as answered, and its query."""

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field

from portal_plugin.core.models import AGENCY_STATUS, LICENSE_STATUS
from portal_plugin.core.schemas import AgencyRef, Answer, DivisionCode, Id, Paging, code_of, one_of, text
from portal_plugin.revocations.models import Revocation
from portal_plugin.revocations.service import GROUND_KIND, LABELS, STATUS_BY_GROUND

_LEFT = ", ".join(f"{ground} leaves the licence {LICENSE_STATUS[status]}"
                  for ground, status in STATUS_BY_GROUND.items())


class RevocationFields(BaseModel):
    """What a revocation states."""

    license_id: Annotated[Id, Field(description=f"{LABELS['license_id']}: a valid licence of an "
                                                "agency in the caller's jurisdiction")]
    ground: code_of(GROUND_KIND, f"{LABELS['ground']}; {_LEFT}, the others "
                                 f"{LICENSE_STATUS['deregistered']}")
    decision_date: Annotated[dt.date, Field(description=f"{LABELS['decision_date']}, not in the "
                                                        "future, not before the licence")]
    remarks: Annotated[str | None, Field(description=LABELS["remarks"])] = None


class RevocationIn(RevocationFields):
    """A licence to revoke: the record, the licence, the agency left empty, in one transaction."""

    document_number: text(Revocation.document_number,
                          f"{LABELS['document_number']}; from the 注销文号 series if empty"
                          ) | None = None


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
