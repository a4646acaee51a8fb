"""Portal hooks: the manifest the portal admin registers from, the user's menu, health."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, url_for
from sqlalchemy import text
from werkzeug.wrappers import Response

from portal_plugin.core.access import current_identity, grouped, menu_entries, public, signed_in
from portal_plugin.core.config import VERSION
from portal_plugin.core.extensions import db
from portal_plugin.core.permissions import PERMISSIONS
from sso.auth import sso_for

bp = Blueprint("portal", __name__)
BLUEPRINTS = (bp,)

PLUGIN_ID = "hrm-market"
PLUGIN_NAME = "人力资源市场管理系统"


@bp.get("/portal/manifest.json")
@public
def manifest() -> Response:
    """Describe the plugin: menu items, permissions and default roles."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return jsonify(
        {
            "id": PLUGIN_ID,
            "name": PLUGIN_NAME,
            "version": VERSION,
            "menu": menu_entries(app, None, everything=True),
            "permissions": [{"code": code, "label": label} for code, label in PERMISSIONS.items()],
            "roles": [
                {"code": role.code, "label": role.label, "permissions": sorted(role.permissions)}
                for role in sso_for(app).role_map.values()
            ],
        }
    )


@bp.get("/portal/menu.json")
@signed_in
def menu() -> Response:
    """The current user's menu: only the functions their roles allow."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    identity = current_identity()
    assert identity is not None
    return jsonify(
        {
            "user": {"id": identity.user_id, "name": identity.name,
                     "division": identity.division, "roles": list(identity.roles)},
            "groups": grouped(menu_entries(app, identity)),
        }
    )


@bp.get("/healthz")
@public
def healthz() -> tuple[dict[str, str], int]:
    """Answer 200 while the database answers, else 503."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any driver or connection failure means "not healthy"
        db.session.rollback()
        return {"status": "unavailable"}, 503
    return {"status": "ok"}, 200


@bp.get("/favicon.ico")
@public
def favicon() -> Response:
    """Browsers ask for /favicon.ico on a first visit: the icon served from static."""
    response = redirect(url_for("hrm.static", filename="favicon.svg"), 301)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
