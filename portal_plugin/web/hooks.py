"""What the bundle does around every request: the request id, the input boundary, CSRF on
forms, security headers, metrics and the request's log line, template helpers."""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from flask import current_app, g, render_template, request, session, url_for
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from sqlalchemy import select
from werkzeug.wrappers import Response

from portal_plugin.core import access, boundary, catalog
from portal_plugin.core.cache import cached
from portal_plugin.core.extensions import csrf, db
from portal_plugin.core.identity import Identity
from portal_plugin.core.models import AGENCY_STATUS, Agency
from portal_plugin.core.schemas import AGENCY_LABELS
from portal_plugin.core.validation import MAX_REASON
from portal_plugin.documents import service as document_service
from portal_plugin.web import metrics
from sso.auth import uses_bearer
from workflows import documents as issued_documents

CSRF_RESIGN_SECONDS = 60
CSRF_KEPT = 10_000  # sessions' signed tokens kept per process
# An incoming X-Request-ID is kept when it is a sane token (a proxy's or the portal's id).
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
REQUEST_LOG = logging.getLogger("portal_plugin.request")


def start_request() -> None:
    """Name the request (X-Request-ID), start its clock, and refuse what crosses the input
    boundary badly (core.boundary) before any view or the CSRF check reads the body.

    Registered on the app (standalone) and on the bundle; the second call does nothing.
    """
    if "hrm_request_id" in g:
        return
    g.hrm_started = time.perf_counter()
    sent = request.headers.get("X-Request-ID", "")
    g.hrm_request_id = sent if SANE_REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex
    boundary.cap_body(current_app.config)
    boundary.check_request()


def finish_request(response: Response) -> Response:
    """X-Request-ID on the response, the request counted in /metrics, one log line."""
    if "hrm_request_id" not in g or g.get("hrm_finished"):
        return response
    g.hrm_finished = True
    response.headers["X-Request-ID"] = g.hrm_request_id
    metrics.observe(response.status_code)
    who = g.get("hrm_identity")
    REQUEST_LOG.info(
        "%s %s %s", request.method, request.path, response.status_code,
        extra={"request_id": g.hrm_request_id, "user": getattr(who, "user_id", None),
               "method": request.method, "path": request.path, "status": response.status_code,
               "endpoint": request.endpoint,
               "duration_ms": round((time.perf_counter() - g.hrm_started) * 1000, 1)},
    )
    return response


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
    # The CSRF check parses the body: start_request has capped it (core.boundary).
    csrf.protect()


def security_headers(response: Response) -> Response:
    """Frame only inside the portal, load nothing from outside, leak nothing in referrers.

    Registered on the app (standalone) and on the bundle; the second call does nothing. A
    header the view set itself is kept.
    """
    if g.get("hrm_headers"):
        return response
    g.hrm_headers = True
    cfg = current_app.config
    # The policy depends on two settings only: each pair's text is made once.
    key = (cfg.get("SSO_ISSUER"), cfg["PORTAL_ORIGIN"])
    policies: dict[Any, str] = current_app.extensions.setdefault("hrm_csp", {})
    if key not in policies:
        form_targets = " ".join(filter(None, ["'self'", key[0]]))
        policies[key] = ("default-src 'self'; img-src 'self' data:; object-src 'none'; "
                         f"base-uri 'self'; form-action {form_targets}; frame-ancestors {key[1]}")
    headers = response.headers
    for name, value in (("Content-Security-Policy", policies[key]),
                        ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin")):
        if name not in headers:
            headers.add(name, value)
    if response.mimetype == "text/html" and "Cache-Control" not in headers:
        headers.add("Cache-Control", "no-store")
    return response


def csrf_token() -> str:
    """The page's signed CSRF token (the template global `csrf_token`): Flask-WTF's, of which a
    session's is re-signed at most every CSRF_RESIGN_SECONDS per process (signing, for every
    page, was 1.5 % of a list page) — a sixtieth of the time a token stays valid at most."""
    raw = session.get("csrf_token")
    if raw is None:
        return generate_csrf()  # the session's first: Flask-WTF makes and keeps the raw token
    limit = current_app.config.get("WTF_CSRF_TIME_LIMIT")
    seconds = CSRF_RESIGN_SECONDS if limit is None else min(CSRF_RESIGN_SECONDS, limit / 60)
    return cached(raw, generate_csrf, seconds, store="hrm_csrf", most=CSRF_KEPT)


def unit_of(division: str | None) -> str:
    """A division's bureau as people say it (天津市人社局, 和平区人社局), never a bare code."""
    if not division:
        return ""
    name = catalog.divisions().authorities.get(division) or catalog.division_name(division)
    return name.replace("人力资源和社会保障局", "人社局")


def template_helpers() -> dict[str, Any]:
    """What every page may show: who is signed in (if resolved), their menu, the agency
    fields' labels."""

    def identity() -> Identity | None:
        return g.get("hrm_identity")

    def unit() -> str:
        """The signed-in person's unit for the header: the bureau of their division (天津市人社局)
        or, for a clerk, their agency's registered name."""
        who = identity()
        if who is None:
            return ""
        if who.is_agency_clerk and who.agency_credit_code:
            name = db.session.scalar(select(Agency.name).where(
                Agency.credit_code == who.agency_credit_code))
            return name or ""
        return unit_of(who.division)

    def links() -> dict[str, str]:
        """The URLs of every page's frame (style sheet, icon, script, 工作台, 退出): like the
        menu, they depend only on the mount prefix, so each prefix's are built once."""
        built: dict[str, dict[str, str]] = current_app.extensions.setdefault("hrm_links", {})
        if request.script_root not in built:
            built[request.script_root] = {
                **{name: url_for("hrm.static", filename=name)
                   for name in ("app.css", "favicon.svg", "confirm.js")},
                "workbench": url_for("hrm.pages.workbench"), "logout": url_for("hrm.sso.logout")}
        return built[request.script_root]

    def sidebar(current_url: str) -> Markup:
        """The menu as HTML, its current page's item marked: the menu depends only on the
        permissions and the mount prefix, so each pair's HTML is rendered once (the menu's
        Jinja loop was 1.6 % of a list page)."""
        who = identity()
        if who is None or not who.permissions:
            return Markup("")
        built: dict[Any, str] = current_app.extensions.setdefault("hrm_sidebars", {})
        key = (who.permissions, request.script_root)
        if key not in built:
            app = current_app._get_current_object()
            built[key] = render_template("hrm/sidebar.html", links=links(),
                                         nav=access.grouped(access.menu_entries(app, who)))
        link = f'<a href="{escape(current_url)}">'
        return Markup(built[key].replace(link, f'{link[:-1]} aria-current="page">', 1))  # noqa: S704

    def case_documents(case_id: int) -> list[dict[str, Any]]:
        """The documents of a case the page already showed (its access is checked there)."""
        return [document_service.document_json(d) for d in issued_documents.of_case(case_id)]

    return {"hrm_identity": identity, "hrm_sidebar": sidebar, "hrm_links": links, "hrm_unit": unit,
            "hrm_unit_of": unit_of,
            "agency_status": AGENCY_STATUS, "agency_labels": AGENCY_LABELS, "max_reason": MAX_REASON,
            "case_documents": case_documents, "csrf_token": csrf_token}
