"""The landing workbench (工作台): the functions the user may use, with their waiting work."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for

from portal_plugin.calendar.service import missing_next_year
from portal_plugin.core.access import current_identity, grouped, menu_entries, signed_in
from portal_plugin.inspections import service as inspections
from portal_plugin.publicity import service as publicity
from workflows import records, service
from workflows.service import WAITING_AT

bp = Blueprint("pages", __name__)
BLUEPRINTS = (bp,)


@bp.get("/")
@signed_in
def workbench() -> str:
    """Show the user's functions (工作台)."""
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
    # The 业务管理岗 sees how many licences of the jurisdiction end within 90 days.
    expiring = (len(records.expiring_licenses(identity, 90))
                if identity.can("agencies.manage") and identity.can("licensing.view") else None)
    return render_template("hrm/web/workbench.html", groups=grouped(menu_entries(app, identity)),
                           work=work, unknown_year=unknown_year, expiring=expiring)
