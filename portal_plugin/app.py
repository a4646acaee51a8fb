"""The application factory: a standalone app (create_app) or a bundle in a host app (init_app)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from portal_plugin import cli
from portal_plugin.agencies import views as agencies
from portal_plugin.annual_reports import views as annual_reports
from portal_plugin.calendar import views as calendar
from portal_plugin.core import access, config, dbguard, pages, transaction
from portal_plugin.core.extensions import csrf, db, migrate
from portal_plugin.documents import views as documents
from portal_plugin.history import views as history
from portal_plugin.inspections import views as inspections
from portal_plugin.job_fairs import views as job_fairs
from portal_plugin.publicity import views as publicity
from portal_plugin.revocations import views as revocations
from portal_plugin.statistics import views as statistics
from portal_plugin.web import api, errors, hooks, logs, metrics, openapi, portal, workbench
from sso import devportal, login
from sso import session as plugin_session
from sso.auth import SSO
from sso.claims import ClaimNames
from sso.session import PluginSessionInterface
from workflows import agency_pages, certificate_pages
from workflows import api as case_api
from workflows import pages as case_pages

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
MIGRATIONS = ROOT / "migrations"
STATIC = Path(__file__).resolve().parent / "web" / "static"

# The modules that hand over blueprints (as CKAN plugins do): the web face, the case workflows,
# the feature packages, the login. Each blueprint is nested under the bundle's "hrm" blueprint.
VIEWS = (workbench, case_pages, agency_pages, certificate_pages, history, statistics, job_fairs,
         revocations, publicity, agencies, inspections, annual_reports, calendar, documents, portal,
         metrics, login, case_api, api)
FEATURES: tuple[Blueprint, ...] = tuple(bp for module in VIEWS for bp in module.BLUEPRINTS)


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
    logs.configure(app)
    # Standalone every request is ours: unknown URLs too get a request id, the boundary, a count.
    app.before_request(hooks.start_request)
    init_app(app)
    errors.register_app_handlers(app)
    app.after_request(hooks.security_headers)
    app.after_request(hooks.finish_request)
    return app


def init_app(host_app: Flask, url_prefix: str = "") -> None:
    """Mount the bundle on a Flask app, optionally under a path prefix."""
    app = host_app
    for key, value in config.DEFAULTS.items():
        app.config.setdefault(key, value)
    app.config.update(config.validate(app.config))
    if app.config.get("SSO_AUDIENCE") is None:
        app.config["SSO_AUDIENCE"] = app.config["SSO_CLIENT_ID"]
    if app.config.get("APP_ENV") == "production" and app.config.get("PORTAL_DEV_MODE"):
        raise config.ConfigError("PORTAL_DEV_MODE=1 is not allowed in production")
    if str(app.config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("postgresql"):
        # core.dbguard's bounded checkout ping replaces the pool's unbounded pre-ping.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"], "pool_pre_ping": False,
            "pool_timeout": float(app.config["DB_POOL_TIMEOUT_SECONDS"])}
    db.init_app(app)
    with app.app_context():
        dbguard.guard(app, db.engine)
        if db.engine.dialect.name == "postgresql":
            transaction.commit_reads(app, db.engine)
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
    bundle.before_request(hooks.start_request)
    bundle.before_request(plugin_session.check)  # a session the database could not read
    bundle.before_request(hooks.protect_forms)
    bundle.app_context_processor(hooks.template_helpers)
    bundle.add_app_template_global(pages.pager, "pager")
    bundle.after_request(hooks.security_headers)
    bundle.after_request(hooks.finish_request)
    errors.register_bundle_handlers(bundle)
    app.register_blueprint(bundle, url_prefix=url_prefix or None)
    # Standalone, every request is ours; in a host app, only those under the prefix.
    host_sessions = app.session_interface if url_prefix else None
    app.session_interface = PluginSessionInterface(url_prefix, fallback=host_sessions)
    ours = [e for e in app.view_functions if e.startswith("hrm.") and e != "hrm.static"]
    app.extensions["hrm_declarations"] = access.check_declarations(app, ours)
    openapi.check(app)
    cli.register(app)
