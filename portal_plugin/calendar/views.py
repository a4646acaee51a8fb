"""工作日历: the page (a year's holidays and 调休 days, add, remove) and /api/v1/calendar/{year}."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request, url_for
from werkzeug.wrappers import Response

from portal_plugin.calendar import service as calendar
from portal_plugin.calendar.schemas import CalendarPath, CalendarYearIn, CalendarYearOut
from portal_plugin.core.access import MenuItem, identity, requires
from portal_plugin.core.api import body
from portal_plugin.core.apidoc import documents
from portal_plugin.core.clock import today
from portal_plugin.core.errors import Invalid
from portal_plugin.core.pages import action_post, form_post
from workflows.calendar import KINDS

PERMISSION = calendar.PERMISSION

bp = Blueprint("calendar", __name__, url_prefix="/calendar")
api_bp = Blueprint("calendar_api", __name__, url_prefix="/api/v1/calendar")
BLUEPRINTS = (bp, api_bp)


def _page(year: int, errors: dict[str, str] | None = None, message: str | None = None,
          status: int = 200) -> tuple[str, int]:
    this = today().year
    return render_template(
        "hrm/calendar/index.html", calendar=calendar.year_json(year), kinds=KINDS,
        years=range(this - 1, this + 3), errors=errors or {}, message=message,
        form=request.form if request.method == "POST" else {}), status


def _year_arg() -> tuple[int, dict[str, str]]:
    try:
        return calendar.year_of(request.args.get("year") or today().year), {}
    except Invalid as exc:
        return today().year, exc.fields


@bp.get("")
@requires(PERMISSION, menu=MenuItem("工作日历", "系统管理", 900))
def index() -> tuple[str, int]:
    """A year's holidays and 调休 working days (this year unless told), with 【添加】."""
    year, errors = _year_arg()
    return _page(year, errors, status=422 if errors else 200)


@bp.post("/days")
@requires(PERMISSION)
def add() -> Response | tuple[str, int]:
    """Add a holiday or a 调休 working day (【添加】)."""
    data = {key: request.form.get(key, "") for key in ("day", "kind", "name")}

    def render(errors, status):
        return _page(_form_year(data["day"]), dict(errors), status=status)

    return form_post(lambda: calendar.add_day(identity(), data),
                     lambda row: (f"{row.day.isoformat()} 已设为{KINDS[row.kind]}（{row.name}）",
                                  url_for(".index", year=row.day.year)), render)


@bp.post("/days/<day>/delete")
@requires(PERMISSION)
def remove(day: str) -> Response | tuple[str, int]:
    """Make a day an ordinary day again (【删除】)."""
    return action_post(lambda: calendar.remove_day(identity(), day),
                       lambda _: (f"{day} 已恢复为普通日期", url_for(".index", year=day[:4])),
                       lambda errors, message, status: _page(
                           _form_year(day), dict(errors), message, status))


def _form_year(value: str) -> int:
    try:
        return calendar.year_of(value[:4])
    except Invalid:
        return today().year


@api_bp.get("/<int:year>")
@documents(path=CalendarPath, response=CalendarYearOut)
@requires(PERMISSION)
def get_year(year: int) -> Response:
    """A year's holidays and 调休 working days, and whether the year is known."""
    return jsonify(calendar.year_json(calendar.year_of(year)))


@api_bp.put("/<int:year>")
@documents(path=CalendarPath, body=CalendarYearIn, response=CalendarYearOut)
@requires(PERMISSION)
def put_year(year: int) -> Response:
    """Replace a year's holidays and 调休 working days (the year becomes known)."""
    data = body()
    return jsonify(calendar.replace_year(identity(), calendar.year_of(year), data.get("days")))
