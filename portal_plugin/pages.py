"""The landing workbench, the agency's home, and every manual function's menu entry."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, current_app, render_template, url_for

from portal_plugin.access import (
    MenuItem,
    current_identity,
    grouped,
    menu_entries,
    requires,
    signed_in,
)
from workflows import service
from workflows.service import WAITING_AT

bp = Blueprint("pages", __name__)

# The manual's bureau functions that later issues build, in the manual's order:
# (endpoint, path, label, group, permission, menu order). The workflow functions (orders 10–120)
# live in workflows.pages. Until its issue replaces a row with a view, the page says so honestly.
STATS = "人力资源服务机构统计分析"
FUNCTIONS: tuple[tuple[str, str, str, str, str, int], ...] = (
)


def _not_open(label: str) -> Callable[[], str]:
    def view() -> str:
        return render_template("pages/not_open.html", title=label)

    view.__doc__ = f"Show that {label} is not open yet."
    return view


for endpoint, path, label, group, permission, order in FUNCTIONS:
    bp.add_url_rule(
        path, endpoint, requires(permission, menu=MenuItem(label, group, order))(_not_open(label))
    )


@bp.get("/")
@signed_in
def workbench() -> str:
    """Show the user's functions (工作台)."""
    identity = current_identity()
    assert identity is not None
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    work = {url_for(f"hrm.cases.{wf}_{step}"): (load, WAITING_AT[step])
            for (wf, step), load in service.backlog(identity).items()}
    return render_template("pages/workbench.html", groups=grouped(menu_entries(app, identity)),
                           work=work)
