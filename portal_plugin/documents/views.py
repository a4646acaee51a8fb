"""Documents' API (case documents, PDF, licence, certificate) and the public /verify page."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request
from werkzeug.wrappers import Response

from portal_plugin.core import ratelimit
from portal_plugin.core.access import identity, public, requires
from portal_plugin.core.apidoc import documents as apidoc
from portal_plugin.core.errors import Invalid, NotFound
from portal_plugin.core.excel import content_disposition
from portal_plugin.core.permissions import AGENCY_PERMISSION, WORKFLOW_READ
from portal_plugin.documents import render, service
from portal_plugin.documents.schemas import DocumentList, LicenseDetail
from workflows import documents as issued
from workflows.schemas import CasePath

PDF = "application/pdf"

api_bp = Blueprint("documents_api", __name__, url_prefix="/api/v1")
verify_bp = Blueprint("verify", __name__, url_prefix="/verify")
BLUEPRINTS = (api_bp, verify_bp)


def pdf_response(data: bytes, name: str, inline: bool) -> Response:
    response = Response(data, mimetype=PDF)
    disposition = content_disposition(name, "document.pdf")
    response.headers["Content-Disposition"] = (
        disposition.replace("attachment", "inline", 1) if inline else disposition)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@api_bp.get("/cases/<wf>/<int:case_id>/documents")
@apidoc(path=CasePath, response=DocumentList)
@requires(*WORKFLOW_READ, AGENCY_PERMISSION)
def case_documents(wf: str, case_id: int) -> Response:
    """The documents a case's steps issued: kind, number, issued_at, PDF url."""
    return jsonify([service.document_json(d)
                    for d in service.case_documents(wf, case_id, identity())])


@api_bp.get("/documents/<int:document_id>.pdf")
@apidoc(response=PDF)
@requires(*WORKFLOW_READ, AGENCY_PERMISSION)
def pdf(document_id: int) -> Response:
    """One document as PDF (`?inline=1` to print in the browser), readable as its case."""
    document = service.document_for(document_id, identity())
    copy = "original" if document.kind == "certificate" else None
    data = render.pdf(document, copy, service.verify_url_of(document))
    name = f"{issued.title(document.kind)}{document.number}.pdf"
    return pdf_response(data, name, request.args.get("inline") == "1")


@api_bp.get("/licenses/<int:license_id>")
@apidoc(response=LicenseDetail)
@requires("licensing.view", AGENCY_PERMISSION)
def license_detail(license_id: int) -> Response:
    """One licence with valid_until (null = 长期), status, versions, verify_url and documents."""
    return jsonify(service.license_json(service.license_for(license_id, identity())))


@api_bp.get("/licenses/<int:license_id>/certificate.pdf")
@apidoc(response=PDF, errors=(422,))
@requires("licensing.view", AGENCY_PERMISSION)
def certificate(license_id: int) -> Response:
    """The 人力资源服务许可证 正本 (copy=original) or 副本 (copy=duplicate)."""
    copy = request.args.get("copy") or "original"
    if copy not in render.COPIES:
        raise Invalid({"copy": "应为 original（正本）或 duplicate（副本）"})
    license_ = service.license_for(license_id, identity())
    document = issued.certificate_of(license_)
    if document is None:
        raise NotFound("该许可证没有在本系统发证，无电子证照")
    data = render.pdf(document, copy, service.verify_url(license_.verify_key))
    name = f"人力资源服务许可证（{render.COPIES[copy]}）{license_.license_number}.pdf"
    return pdf_response(data, name, request.args.get("inline") == "1")


@verify_bp.get("/<key>.json")
@public
@ratelimit.limited("verify")
def json_facts(key: str) -> Response:
    """The public facts and the GB/T 36903 metadata as JSON (no login, no session)."""
    return _json_facts(key)


def _json_facts(key: str) -> Response:
    try:
        return jsonify(service.verify_facts(key))
    except NotFound:
        response = jsonify({"error": {"code": "not_found", "message": "核验码无效"}})
        response.status_code = 404
        return response


@verify_bp.get("/<key>")
@public
@ratelimit.limited("verify")
def page(key: str) -> Response | tuple[str, int]:
    """The scan-to-verify page: public facts only, phone-sized, no session cookie."""
    if request.accept_mimetypes.best == "application/json":
        return _json_facts(key)
    try:
        facts = service.verify_facts(key)
    except NotFound:
        return render_template("hrm/documents/verify.html", facts=None), 404
    return render_template("hrm/documents/verify.html", facts=facts), 200
