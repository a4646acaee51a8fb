"""统计分析's API objects: the years asked for and the table of counts per year and district."""

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from portal_plugin.core.schemas import Answer
from portal_plugin.statistics.service import DEFAULT_YEARS, EARLIEST, LATEST, MAX_YEARS

Year = Annotated[int, Field(ge=EARLIEST, le=LATEST)]


class YearsQuery(BaseModel):
    """The years to count, and the answer's format."""

    from_: Year | None = Field(None, alias="from", description=f"起始年度 (default: {DEFAULT_YEARS} "
                                                                "years up to `to`)")
    to: Year | None = Field(None, description=f"截止年度 (default: this year); at most {MAX_YEARS} "
                                              "years, not before `from`")
    format: Literal["json", "xlsx"] = Field("json", description="xlsx: the table as a workbook "
                                                                "(audited)")


class Cell(Answer):
    """One year × district count (zeros included; legacy codes count under their successor)."""

    year: int
    division: str
    division_name: str
    count: int


class Table(Answer):
    """Every year × district of the jurisdiction, and the total."""

    rows: list[Cell]
    total: int
    from_: int = Field(alias="from")
    to: int
