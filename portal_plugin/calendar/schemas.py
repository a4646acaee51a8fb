"""工作日历's API objects: a year's holidays and 调休 working days."""

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field

from portal_plugin.core.schemas import one_of
from portal_plugin.core.validation import Day, Text
from workflows.calendar import KINDS

FIRST_YEAR, LAST_YEAR = 2000, 2100
LABELS = {"day": "日期", "kind": "类型", "name": "名称"}


class CalendarDayIn(BaseModel):
    """A day that departs from Monday–Friday: a holiday, or a Saturday/Sunday worked (调休)."""

    day: Annotated[Day, Field(title=LABELS["day"], description="YYYY-MM-DD, in the path's year")]
    kind: Annotated[one_of(KINDS), Field(
        description=", ".join(f"{kind} {label}" for kind, label in KINDS.items()))]
    name: Annotated[Text(50, LABELS["name"]), Field(description="e.g. 春节, 春节调休")]


class CalendarDayOut(CalendarDayIn):
    """A listed day, with its labels."""

    kind_label: str
    weekday: str


class CalendarYearIn(BaseModel):
    """PUT: the year's complete list of holidays and 调休 days (it replaces the stored one)."""

    days: list[CalendarDayIn]


class CalendarYearOut(BaseModel):
    """A year of the calendar; an unknown year counts Monday–Friday."""

    year: int
    known: bool = Field(description="whether the year has holiday data")
    source: str | None = Field(description="chinesecalendar or manual")
    loaded_at: dt.datetime | None
    days: list[CalendarDayOut]


class CalendarPath(BaseModel):
    """The year in the path."""

    year: Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR)]
