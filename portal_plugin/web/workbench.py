"""The landing workbench (工作台): the functions the user may use, with their waiting work."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for

from portal_plugin.calendar.service import missing_next_year
from portal_plugin.core.access import current_identity, grouped, menu_entries, signed_in
from portal_plugin.core.todos import counts_for, todos_for
from portal_plugin.inspections import service as inspections
from portal_plugin.publicity import service as publicity
from portal_plugin.web import todos  # noqa: F401  (registers the workbench's providers)
from workflows import service
from workflows.service import WAITING_AT

bp = Blueprint("pages", __name__)
BLUEPRINTS = (bp,)


@bp.get("/")
@signed_in
def workbench() -> str:
    """Show the user's functions (工作台), the counts of their role and a clerk's to-dos."""
    identity = current_identity()
    assert identity is not None
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    work = {url_for(f"hrm.cases.{wf}_{step}"): (load, WAITING_AT[step])
            for (wf, step), load in service.backlog(identity).items()}
    if identity.can("revocation.manage"):  # 告知承诺核查: the open 事后核查
        work[url_for("hrm.inspections.index")] = (inspections.backlog(identity), "open")
    if identity.can("revocation.manage"):  # 双公示: decisions waiting for publication
        work[url_for("hrm.publicity.index")] = (publicity.backlog(identity), "pending")
    # The calendar's keeper is warned while next year has no holiday data (deadlines would
    # count Monday–Friday across its holidays).
    unknown_year = missing_next_year() if identity.can("calendar.manage") else None
    return render_template("hrm/web/workbench.html", groups=grouped(menu_entries(app, identity)),
                           work=work, unknown_year=unknown_year, counts=counts_for(identity),
                           todos=todos_for(identity))
