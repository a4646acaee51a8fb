"""历史数据采集's API objects: batches with their problems, imported records and their values."""

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, Field, create_model

from portal_plugin.core.models import AGENCY_STATUS, RECORD_SOURCE
from portal_plugin.core.schemas import Answer, DivisionCode, Paging, one_of
from portal_plugin.history.models import IMPORT_STATUS
from portal_plugin.history.spec import COLUMNS, ITEMS_HINT, Column


def _cell(column: Column) -> Any:
    """A column's value: text (dates as YYYY-MM-DD, codes or their labels), items also a list."""
    info = Field(max_length=column.max_len, description=column.header)
    kind = Annotated[str, info] | list[str] if column.kind == "codes" else Annotated[str, info]
    return (kind, ...) if column.required else (kind | None, None)


RecordValues = create_model(
    "RecordValues", __doc__=f"A record in the import's columns by key; items as a list or "
                            f"{ITEMS_HINT}", **{column.key: _cell(column) for column in COLUMNS})


class Upload(BaseModel):
    """A filled import template."""

    file: bytes = Field(json_schema_extra={"format": "binary"})


class Issue(Answer):
    """A problem found in a row."""

    row: int = Field(description="the Excel row number as the user sees it")
    column: str = Field(description="the column's Chinese header")
    key: str
    value: str | None
    message: str
    hint: str | None = Field(description="how to fix it")


class Batch(Answer):
    """An import batch: counts, problems (the first ones), and valid rows as they will be saved."""

    id: int
    status: one_of(IMPORT_STATUS)
    status_label: str
    file_name: str
    uploaded_by: str
    division: str
    rows: int
    valid_rows: int
    error_count: int
    warning_count: int
    counts: dict[str, int] = Field(description="agencies / licenses / filings to create")
    errors: list[Issue]
    warnings: list[Issue]
    preview: list[dict[str, Any]]
    message: str | None = Field(description="why the file failed its file-level checks")
    created_at: dt.datetime
    committed_at: dt.datetime | None
    undone_at: dt.datetime | None


class Committed(Batch):
    """A batch just imported, with the number of agencies it created."""

    imported: int


class Record(Answer):
    """An imported agency."""

    id: int
    name: str
    credit_code: str
    division: str
    division_name: str
    batch_id: int
    imported_at: dt.datetime | None
    status: one_of(AGENCY_STATUS)
    status_label: str
    source: one_of(RECORD_SOURCE)
    source_label: str
    license_number: str | None
    filing_number: str | None


class RecordDetail(Record):
    """An imported agency with its values in the import's columns."""

    values: RecordValues


class RecordSaved(RecordDetail):
    """An imported agency after an edit, with the warnings the check found."""

    warnings: dict[str, str]


class RecordQuery(Paging):
    """The record list's conditions."""

    name: str | None = Field(None, description="机构名称 (part); `q` is taken as well")
    credit_code: str | None = None
    division: DivisionCode | None = None
    batch: int | None = Field(None, description="the batch id")
    imported_from: dt.date | None = None
    imported_to: dt.date | None = None
