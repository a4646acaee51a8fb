"""双公示's API objects: the queue item (its frozen 27-field record), the queries, the batch."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from portal_plugin.core.models import MAX_ID
from portal_plugin.core.schemas import Answer, DivisionCode, Paging


class QueueQueryIn(Paging):
    status: Literal["pending", "published"] | None = Field(
        None, description="pending (the queue, by due date; default) or published")
    q: str | None = Field(None, description="机构名称 (part) or 统一社会信用代码")
    division: DivisionCode | None = Field(None, description="the deciding division")


class ExportQuery(BaseModel):
    format: Literal["xlsx", "json"] | None = Field(None, description="xlsx (default) or json")
    ids: str | None = Field(None, description="item ids, comma-separated; none: every pending item")


class BatchIn(BaseModel):
    ids: Annotated[list[Annotated[int, Field(ge=1, le=MAX_ID)]],
                   Field(min_length=1, description="the pending items published together")]


class BatchOut(Answer):
    id: int
    count: int
    created_at: str


class PublicityItemOut(Answer):
    id: int
    source: Literal["case", "revocation"]
    source_id: int
    decision: Literal["approve", "refuse", "revoke"]
    name: str
    credit_code: str
    document_name: str
    document_number: str
    division: str
    division_name: str
    decision_date: str
    due_date: str
    days_left: int | None = Field(description="working days to the due date (negative: overdue)")
    deadline_flag: Literal["yellow", "red"] | None
    deadline: str
    status: Literal["pending", "published"]
    status_label: str
    batch_id: int | None
    published_at: str | None
    record: dict[str, str] = Field(description="the credit platform's fields, frozen at the "
                                               "decision (数据导出时间 is set at export)")


class ExportOut(Answer):
    fields: list[str] = Field(description="the 27 field names, in the credit platform's order")
    items: list[dict[str, str]]
