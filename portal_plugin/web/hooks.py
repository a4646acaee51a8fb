"""What the bundle does around every request: CSRF on forms, security headers, template helpers."""

from __future__ import annotations

from typing import Any

from flask import current_app, g, request
from werkzeug.wrappers import Response

from portal_plugin.core import access
from portal_plugin.core.extensions import csrf
from portal_plugin.core.identity import Identity
from portal_plugin.core.models import AGENCY_STATUS
from portal_plugin.core.schemas import AGENCY_LABELS
from portal_plugin.core.validation import MAX_REASON
from sso.auth import uses_bearer

# What a multipart form adds around an uploaded file (boundaries, headers, the CSRF token).
FORM_OVERHEAD = 64 * 1024


def protect_forms() -> None:
    """CSRF on every state-changing browser request; bearer API calls carry no cookie risk.

    A request to a guarded view with no identity at all is left to the guard's 401.
    """
    if request.method in ("GET", "HEAD", "OPTIONS") or uses_bearer():
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "hrm_no_csrf", False):  # a signed token is its proof (back-channel logout)
        return
    access_ = getattr(view, "hrm_access", None)
    if access_ is not None and not access_.public and access.current_identity() is None:
        return
    # The CSRF check parses the body, so cap it first: no form of ours takes more than a
    # history upload (werkzeug answers 413 from Content-Length without reading the body).
    request.max_content_length = current_app.config["HISTORY_IMPORT_MAX_BYTES"] + FORM_OVERHEAD
    csrf.protect()


def security_headers(response: Response) -> Response:
    """Frame only inside the portal, load nothing from outside, leak nothing in referrers."""
    cfg = current_app.config
    form_targets = " ".join(filter(None, ["'self'", cfg.get("SSO_ISSUER")]))
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
        f"form-action {form_targets}; frame-ancestors {cfg['PORTAL_ORIGIN']}",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def template_helpers() -> dict[str, Any]:
    """What every page may show: who is signed in (if resolved), their menu, the agency
    fields' labels."""

    def identity() -> Identity | None:
        return g.get("hrm_identity")

    def menu() -> list[dict[str, Any]]:
        who = identity()
        if who is None or not who.permissions:
            return []
        return access.grouped(access.menu_entries(current_app._get_current_object(), who))

    return {"hrm_identity": identity, "hrm_menu": menu, "agency_status": AGENCY_STATUS,
            "agency_labels": AGENCY_LABELS, "max_reason": MAX_REASON}
