"""Licence pages: the licence's details with its certificate versions, 补发 requests and decisions."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, Response, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from portal_plugin.core import files
from portal_plugin.core.access import identity, requires
from portal_plugin.core.pages import action_post, form_post
from portal_plugin.core.permissions import AGENCY_PERMISSION
from workflows import certificates
from workflows.models import REISSUE_CAUSES
from workflows.pages import code_labels

bp = Blueprint("licenses", __name__, url_prefix="/licenses")
agency_bp = Blueprint("agency_licenses", __name__, url_prefix="/agency/licenses")
BLUEPRINTS = (bp, agency_bp)


def render_detail(license_id: int, errors: Mapping[str, str] | None = None,
                  message: str | None = None, status: int = 200,
                  values: Mapping[str, str] | None = None) -> tuple[str, int]:
    who = identity()
    license_ = certificates.license_for(who, license_id)
    requests = [certificates.request_json(r)
                for r in certificates.requests_of(who, license_id)]
    officer = who.is_officer
    return render_template(
        "hrm/licenses/detail.html", license=certificates.license_json(license_),
        requests=requests, officer=officer, can_decide=who.can("licensing.accept"),
        errors=errors or {}, message=message, values=values or {}, causes=REISSUE_CAUSES,
        codes=code_labels(),
        back=url_for("hrm.cases.licensing_view") if officer else url_for("hrm.agency.home")
    ), status


@bp.get("/<int:license_id>")
@requires("licensing.view")
def detail(license_id: int) -> tuple[str, int]:
    """One licence: its certificate's versions (换发 / 补发) and its 补发 requests."""
    return render_detail(license_id)


@bp.get("/reissue-requests")
@requires("licensing.accept")
def pending() -> str:
    """The 补发 requests awaiting the officer's bureau."""
    rows = [certificates.request_json(r) for r in certificates.pending_requests(identity())]
    return render_template("hrm/licenses/pending.html", rows=rows)


@bp.get("/reissue-requests/<int:request_id>/file")
@requires("licensing.view", AGENCY_PERMISSION)
def statement(request_id: int) -> Response:
    """The 遗失声明 of a 补发 request, inline (its officers and the holder's clerk)."""
    found = certificates.request_for(identity(), request_id)
    data = files.read(found.file_key)
    content_type = next((kind for magic, kind, _ in certificates.SIGNATURES
                         if data.startswith(magic)), "application/octet-stream")
    response = Response(data, mimetype=content_type)
    response.headers["Content-Disposition"] = "inline"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.post("/reissue-requests/<int:request_id>/<any(reissue, return):action>")
@requires("licensing.accept")
def decide(request_id: int, action: str) -> WerkzeugResponse | tuple[str, int]:
    """【补发】 or 【退回】 a 补发 request from the licence's page."""
    found = certificates.request_for(identity(), request_id)
    reason = request.form.get("reason", "").strip() or None
    return action_post(
        lambda: certificates.decide(identity(), request_id, action, reason),
        lambda done: (f"已补发许可证（第{done.version}版）" if action == "reissue"
                      else "已退回补发申请", url_for(".detail", license_id=done.license_id)),
        lambda errors, message, status: render_detail(found.license_id, errors, message,
                                                      status))


@agency_bp.get("/<int:license_id>")
@requires(AGENCY_PERMISSION)
def own(license_id: int) -> tuple[str, int]:
    """The clerk's licence: its versions, its 补发 requests and the form to report a loss."""
    return render_detail(license_id)


@agency_bp.post("/<int:license_id>/reissue-requests")
@requires(AGENCY_PERMISSION)
def report(license_id: int) -> WerkzeugResponse | tuple[str, int]:
    """Report the certificate lost or damaged, with the 遗失声明 (申请补发)."""
    upload = request.files.get("file")
    values = {"cause": request.form.get("cause", ""), "reason": request.form.get("reason", "")}
    return form_post(
        lambda: certificates.request_reissue(
            identity(), license_id, values["cause"] or None, values["reason"],
            upload.filename if upload else None, upload.read() if upload else None),
        lambda made: ("补发申请已提交，等待发证机关处理", url_for(".own", license_id=license_id)),
        lambda errors, status: render_detail(license_id, errors, errors.get("form"), status,
                                             values))
