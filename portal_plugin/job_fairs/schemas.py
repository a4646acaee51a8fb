"""现场招聘会's API objects: the fair a clerk registers, as answered, and the list's query."""

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, Field, create_model

from portal_plugin.core.pii import MASKED_NOTE
from portal_plugin.core.schemas import (
    AgencyRef,
    Answer,
    DivisionCode,
    Paging,
    Phone,
    code_of,
    text,
)
from portal_plugin.core.validation import MAX_COUNT, Count, Moment, Name, Text
from portal_plugin.job_fairs.models import JobFair

KIND = "job_fair_kind"
# From this many expected visitors PER SESSION a fair needs the public-security permit
# (《大型群众性活动安全管理条例》 Art 2: one event of 1000 people or more).
POLICE_PERMIT_FROM = 1000
MAX_DAYS = 30
MAX_SESSIONS = 3 * (MAX_DAYS + 1)  # up to three sessions a day (上午 / 下午 / 晚间)
# The licence item a 现场招聘会's organiser must hold (组织开展现场招聘会), found by its label.
FAIR_ITEM_LABEL = "组织开展现场招聘会"
PERMIT_PENDING = "待补安全许可"
TEXT_FIELDS = (  # field, max length, required
    ("name", 200, True), ("organizer", 200, True), ("co_organizer", 200, False),
    ("venue", 200, True), ("venue_address", 300, True), ("safety_officer", 100, True),
    ("contact", 100, True),
)
PHONE_FIELDS = ("safety_phone", "contact_phone")
# Names of the fair, its organisers and people: no `<`, `>` or control characters (含有非法字符).
NAME_FIELDS = frozenset({"name", "organizer", "co_organizer", "safety_officer", "contact"})
COUNT_FIELDS = ("booths", "expected_employers", "expected_positions", "expected_visitors")
# The Chinese label of every field (forms, details, error summaries).
LABELS = {
    "name": "招聘会名称", "kind": "招聘会类型", "organizer": "主办单位", "co_organizer": "承办单位",
    "start_at": "开始时间", "end_at": "结束时间", "venue": "举办场馆", "venue_address": "场馆地址",
    "division": "所在区", "booths": "展位数", "expected_employers": "预计参会单位数",
    "expected_positions": "预计岗位数", "expected_visitors": "预计入场人数",
    "safety_officer": "安全责任人", "safety_phone": "安全责任人电话", "contact": "联系人",
    "contact_phone": "联系人电话", "police_permit_no": "公安机关安全许可文号",
    "sessions": "场次",
}


def _labelled(kind: Any, key: str, description: str = "") -> Any:
    return Annotated[kind, Field(title=LABELS[key], description=description or None)]


# Every field a fair takes: (type, default) as create_model wants it; ... marks a required one.
_FIELDS: dict[str, Any] = {
    **{key: (kind(length, LABELS[key]), ...) if required else (kind(length, LABELS[key]) | None, None)
       for key, length, required in TEXT_FIELDS
       for kind in ((Name if key in NAME_FIELDS else Text),)},
    "kind": (code_of(KIND, LABELS["kind"]), ...),
    "division": (_labelled(DivisionCode, "division", "of the venue"), ...),
    **{key: (_labelled(Phone, key), ...) for key in PHONE_FIELDS},
    **{key: (Count(MAX_COUNT, LABELS[key]), ...) for key in COUNT_FIELDS},
    "start_at": (_labelled(Moment, "start_at", "local time unless an offset is given"), ...),
    "end_at": (_labelled(Moment, "end_at", f"after start_at, at most {MAX_DAYS} days"), ...),
    "sessions": (Annotated[Count(MAX_SESSIONS, LABELS["sessions"]) | None, Field(
        description="场次 (at least 1); default one a day from start_at to end_at")], None),
    "police_permit_no": (Annotated[text(JobFair.police_permit_no, LABELS["police_permit_no"]) | None, Field(
        description=f"needed from {POLICE_PERMIT_FROM} expected visitors per session "
                    "(ceil(expected_visitors / sessions)); without it such a fair is "
                    f"registered {PERMIT_PENDING} until PUT …/police-permit")], None),
}

JobFairIn = create_model("JobFairIn", __doc__="A job fair to register for the clerk's agency.",
                         **_FIELDS)


class JobFairOut(JobFairIn, Answer):
    """A registered job fair, its times in the bureau's zone with their offset."""

    # Masked in lists (core.pii).
    safety_phone: str = Field(title=LABELS["safety_phone"], description=MASKED_NOTE)
    contact_phone: str = Field(title=LABELS["contact_phone"], description=MASKED_NOTE)
    id: int
    sessions: int
    visitors_per_session: int = Field(description="ceil(expected_visitors / sessions)")
    permit_required: bool = Field(description=f"from {POLICE_PERMIT_FROM} visitors per session")
    permit_pending: bool = Field(description=f"{PERMIT_PENDING}: required and not yet entered")
    kind_label: str
    division_name: str
    agency: AgencyRef
    created_by_name: str
    created_at: dt.datetime


class JobFairQuery(Paging):
    """The fair list's conditions."""

    name: str | None = Field(None, description="招聘会名称 (part)")
    organizer: str | None = Field(None, description="主办单位 (part)")
    division: DivisionCode | None = Field(None, description="the venue's district")
    held_from: dt.date | None = Field(None, description="fairs still going on that day")
    held_to: dt.date | None = Field(None, description="fairs begun by that day")
    permit_pending: bool | None = Field(None, description=f"only fairs {PERMIT_PENDING} (true) "
                                                          "or not (false)")


class PolicePermit(BaseModel):
    """The police permit number of a registered fair (ends 待补安全许可)."""

    police_permit_no: Annotated[text(JobFair.police_permit_no, LABELS["police_permit_no"]),
                                Field(description="公安机关安全许可文号")]
