"""The application factory: a standalone app (create_app) or a bundle in a host app (init_app)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, current_app, g, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from portal_plugin import (
    access,
    agencies_views,
    annual_reports_views,
    api,
    cli,
    config,
    errors,
    job_fairs_views,
    pages,
    portal,
    revocations_views,
    statistics_pages,
)
from portal_plugin.extensions import csrf, db, migrate
from portal_plugin.history import api as history_api
from portal_plugin.history import pages as history_pages
from portal_plugin.models import AGENCY_STATUS
from sso import devportal, login
from sso.auth import SSO, uses_bearer
from sso.identity import ClaimNames, Identity
from sso.session import PluginSessionInterface
from workflows import agency_pages
from workflows import pages as cases_pages

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
MIGRATIONS = ROOT / "migrations"
STATIC = Path(__file__).resolve().parent / "static"

# The feature blueprints, in menu order; each is nested under the bundle's "hrm" blueprint.
FEATURES: tuple[Blueprint, ...] = (pages.bp, cases_pages.bp, agency_pages.bp, history_pages.bp,
                                    statistics_pages.bp, job_fairs_views.bp,
                                    job_fairs_views.agency_bp, revocations_views.bp,
                                    agencies_views.bp, annual_reports_views.bp,
                                    annual_reports_views.agency_bp, portal.bp,
                                    login.bp, api.bp, history_api.bp, job_fairs_views.api_bp,
                                    revocations_views.api_bp, agencies_views.api_bp,
                                    annual_reports_views.api_bp)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """A standalone deployment: configuration from the environment (or test_config)."""
    settings = config.from_environment() if test_config is None else dict(test_config)
    app = Flask("portal_plugin", instance_path=settings.pop("INSTANCE_PATH", None),
                instance_relative_config=True, static_folder=None)
    app.config.update(config.DEFAULTS)
    app.config.update(settings)
    config.finalise(app.config, app.instance_path)  # type: ignore[arg-type]
    hops = int(app.config["PROXY_FIX_HOPS"])
    if hops:
        # Trust the prefix, host and scheme only from the configured number of proxies.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops
        )
    init_app(app)
    errors.register_app_handlers(app)
    app.after_request(security_headers)
    return app


def init_app(host_app: Flask, url_prefix: str = "") -> None:
    """Mount the bundle on a Flask app, optionally under a path prefix."""
    app = host_app
    for key, value in config.DEFAULTS.items():
        app.config.setdefault(key, value)
    if app.config.get("SSO_AUDIENCE") is None:
        app.config["SSO_AUDIENCE"] = app.config["SSO_CLIENT_ID"]
    if app.config.get("APP_ENV") == "production" and app.config.get("PORTAL_DEV_MODE"):
        raise config.ConfigError("PORTAL_DEV_MODE=1 is not allowed in production")
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True)
    csrf.init_app(app)
    login.register_client(app)

    features = list(FEATURES)
    extra_issuers = {}
    if app.config.get("PORTAL_DEV_MODE"):
        dev = devportal.DevPortal(app.instance_path, app.config["SSO_AUDIENCE"],
                                  app.config["SSO_CLIENT_ID"], ClaimNames.from_config(app.config))
        app.extensions["hrm_dev_portal"] = dev
        extra_issuers[devportal.DEV_ISSUER] = dev.key_set()
        features.append(devportal.bp)
        app.cli.add_command(devportal.dev_token_command)
    app.extensions["hrm_sso"] = SSO(app, extra_issuers)

    bundle = Blueprint("hrm", __name__, static_folder=str(STATIC), static_url_path="/static",
                       template_folder=str(TEMPLATES))
    for feature in features:
        bundle.register_blueprint(feature)
        # The bundle checks CSRF itself (protect_forms) so bearer API calls can skip it;
        # a host app's own global CSRF check stays as the host configured it.
        csrf.exempt(feature)
    bundle.before_request(protect_forms)
    bundle.app_context_processor(template_helpers)
    bundle.after_request(security_headers)
    errors.register_bundle_handlers(bundle)
    app.register_blueprint(bundle, url_prefix=url_prefix or None)
    # Standalone, every request is ours; in a host app, only those under the prefix.
    host_sessions = app.session_interface if url_prefix else None
    app.session_interface = PluginSessionInterface(url_prefix, fallback=host_sessions)
    ours = [e for e in app.view_functions if e.startswith("hrm.") and e != "hrm.static"]
    app.extensions["hrm_registry"] = access.check_declarations(app, ours)
    cli.register(app)


# What a multipart form adds around an uploaded file (boundaries, headers, the CSRF token).
FORM_OVERHEAD = 64 * 1024


def protect_forms() -> None:
    """CSRF on every state-changing browser request; bearer API calls carry no cookie risk.

    A request to a guarded view with no identity at all is left to the guard's 401.
    """
    if request.method in ("GET", "HEAD", "OPTIONS") or uses_bearer():
        return
    access_ = getattr(current_app.view_functions.get(request.endpoint or ""), "hrm_access", None)
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
    """What every page may show: who is signed in (if resolved) and their menu."""

    def identity() -> Identity | None:
        return g.get("hrm_identity")

    def menu() -> list[dict[str, Any]]:
        who = identity()
        if who is None or not who.permissions:
            return []
        return access.grouped(access.menu_entries(current_app._get_current_object(), who))

    return {"hrm_identity": identity, "hrm_menu": menu, "agency_status": AGENCY_STATUS}
