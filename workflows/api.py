"""The cases API (/api/v1/cases) and the registry records' lists (licences, filings)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from werkzeug.wrappers import Response

from portal_plugin.core.access import identity, requires
from portal_plugin.core.api import body, date_arg, int_arg, page_of, version_of
from portal_plugin.core.apidoc import documents
from portal_plugin.core.paging import page_bounds
from portal_plugin.core.permissions import (
    AGENCY_PERMISSION,
    WORKFLOW_ACT,
    WORKFLOW_READ,
    WORKFLOW_REVIEW,
)
from portal_plugin.core.schemas import Page, Reason
from workflows import certificates, materials, records, service
from workflows.engine import OFFICER_ACTIONS, case_type
from workflows.schemas import (
    Case,
    CaseBody,
    CaseDetail,
    CasePath,
    CaseQuery,
    Extension,
    FilingQuery,
    FilingRecord,
    Issuance,
    LicenseQuery,
    LicenseRecord,
    Material,
    MaterialPath,
    MaterialUpload,
    ReissueList,
    ReissueRequestOut,
    ReissueUpload,
)

bp = Blueprint("api", __name__, url_prefix="/api/v1")
BLUEPRINTS = (bp,)


def case_json(case: Any) -> dict[str, Any]:
    """One case in full (lists show rows without the application and the 流转记录)."""
    return service.to_json(case, identity(), detail=True)


@bp.post("/cases/<wf>")
@documents(path=CasePath, body=CaseBody, response=CaseDetail, status=201, errors=(409,))
@requires(AGENCY_PERMISSION)
def create_case(wf: str) -> tuple[Response, int]:
    """Create an application for the clerk's own agency (submitted at once with "submit")."""
    data = body()
    case = service.create(case_type(wf), identity(), data, submit=data.get("submit") is True)
    return jsonify(case_json(case)), 201


@bp.put("/cases/<wf>/<int:case_id>")
@documents(path=CasePath, body=CaseBody, response=CaseDetail, errors=(409,))
@requires(AGENCY_PERMISSION)
def edit_case(wf: str, case_id: int) -> Response:
    """Replace a draft or returned application."""
    data = body()
    version = version_of(data.pop("version", None))
    return jsonify(case_json(service.edit(case_type(wf), case_id, identity(), data, version=version)))


@bp.post("/cases/<wf>/<int:case_id>/submit")
@documents(path=CasePath, body=Reason, response=CaseDetail, errors=(409,))
@requires(AGENCY_PERMISSION)
def submit_case(wf: str, case_id: int) -> Response:
    """Submit a draft, or resubmit a returned case."""
    return jsonify(case_json(service.act(case_type(wf), case_id, "submit", identity(), body())))


@bp.get("/cases/<wf>")
@documents(path=CasePath, query=CaseQuery, response=Page[Case])
@requires(*WORKFLOW_READ, AGENCY_PERMISSION)
def list_cases(wf: str) -> Response:
    """List the cases in the caller's scope, newest first."""
    query = service.CaseQuery(
        status=request.args.get("status") or None, q=request.args.get("q") or None,
        name=request.args.get("name") or None, credit_code=request.args.get("credit_code") or None,
        case_no=request.args.get("case_no") or None,
        division=request.args.get("division") or None,
        submitted_from=date_arg("submitted_from"), submitted_to=date_arg("submitted_to"),
        page=int_arg("page", 1), per_page=int_arg("per_page", 20),
        after=request.args.get("after") or None, before=request.args.get("before") or None)
    who = identity()
    cases, total = service.search(case_type(wf), who, query)
    return page_of((cases, total, *page_bounds(query.page, query.per_page, seeking=True)),
                   lambda case: service.to_json(case, who))


@bp.get("/cases/<wf>/<int:case_id>")
@documents(path=CasePath, response=CaseDetail)
@requires(*WORKFLOW_READ, AGENCY_PERMISSION)
def get_case(wf: str, case_id: int) -> Response:
    """One case with its application, result and timeline; the applicant's ID numbers and
    phones in full for those who handle the workflow (each such read audited), masked for
    those who only view it."""
    who, kind = identity(), case_type(wf)
    case = service.get(kind, case_id, who)
    return jsonify(service.applicant_view(kind, case, who, case_json(case)))


@bp.post(f"/cases/<wf>/<int:case_id>/<any({', '.join(OFFICER_ACTIONS)}):action>")
@documents(path=CasePath, body=Reason, response=CaseDetail, errors=(409,))
@requires(*WORKFLOW_ACT)
def act_on_case(wf: str, case_id: int, action: str) -> Response:
    """Accept, return, reject, approve or refuse a case; grant (告知承诺制 licensing cases only,
    licensing.accept): 受理 and 准予许可 at once, with the licence, its numbers and a 事后核查."""
    return jsonify(case_json(service.act(case_type(wf), case_id, action, identity(), body())))


@bp.post("/cases/<wf>/<int:case_id>/extend")
@documents(path=CasePath, body=Extension, response=CaseDetail, errors=(409,))
@requires(*WORKFLOW_REVIEW)
def extend_case(wf: str, case_id: int) -> Response:
    """【延长审批期限】: once per case, the decision limit + 10 working days (licensing), with
    the reason the agency is told."""
    return jsonify(case_json(service.extend(case_type(wf), case_id, identity(), body())))


@bp.post("/cases/licensing/<int:case_id>/issue")
@documents(body=Issuance, response=CaseDetail, errors=(409,))
@requires("licensing.accept")
def issue_license(case_id: int) -> Response:
    """【登记发证】: the certificate issued on `issued_on` by `delivery`; the issuance clock stops."""
    return jsonify(case_json(service.issue(case_type("licensing"), case_id, identity(), body())))


@bp.get("/licenses")
@documents(query=LicenseQuery, response=Page[LicenseRecord])
@requires("licensing.view")
def list_licenses() -> Response:
    """List licences in the caller's jurisdiction."""
    return page_of(records.search_licenses(identity(), record_query()))


@bp.post("/licenses/<int:license_id>/reissue-requests")
@documents(body=ReissueUpload, form=True, response=ReissueRequestOut, status=201,
           errors=(409, 413))
@requires(AGENCY_PERMISSION)
def create_reissue_request(license_id: int) -> tuple[Response, int]:
    """补发: the holder's clerk reports the certificate lost or damaged (multipart `cause`,
    `reason`, `file` — the 遗失声明, PDF/JPG/PNG by content)."""
    upload = request.files.get("file")
    made = certificates.request_reissue(
        identity(), license_id, request.form.get("cause"), request.form.get("reason"),
        upload.filename if upload else None, upload.read() if upload else None)
    return jsonify(certificates.request_json(made)), 201


@bp.get("/licenses/<int:license_id>/reissue-requests")
@documents(response=ReissueList)
@requires("licensing.view", AGENCY_PERMISSION)
def list_reissue_requests(license_id: int) -> Response:
    """A licence's 补发 requests (its officers, or the holder's clerk)."""
    rows = certificates.requests_of(identity(), license_id)
    return jsonify({"items": [certificates.request_json(r) for r in rows]})


@bp.post("/reissue-requests/<int:request_id>/<any(reissue, return):action>")
@documents(body=Reason, response=ReissueRequestOut, errors=(409,))
@requires("licensing.accept")
def decide_reissue_request(request_id: int, action: str) -> Response:
    """【补发】 (the next certificate version) or 【退回】 (with the reason) a 补发 request."""
    data = body()
    reason = data.get("reason") if isinstance(data, dict) else None
    decided = certificates.decide(identity(), request_id, action,
                                  reason if isinstance(reason, str) else None)
    return jsonify(certificates.request_json(decided))


@bp.get("/filings")
@documents(query=FilingQuery, response=Page[FilingRecord])
@requires("filing.view")
def list_filings() -> Response:
    """List filings in the caller's jurisdiction."""
    return page_of(records.search_filings(identity(), record_query()))


def record_query() -> records.RecordQuery:
    return records.RecordQuery(
        q=request.args.get("q") or None, name=request.args.get("name") or None,
        credit_code=request.args.get("credit_code") or None,
        number=request.args.get("number") or None, status=request.args.get("status") or None,
        division=request.args.get("division") or None,
        granted_from=date_arg("granted_from"), granted_to=date_arg("granted_to"),
        page=int_arg("page", 1), per_page=int_arg("per_page", 20),
        after=request.args.get("after") or None, before=request.args.get("before") or None,
        expiring_within=(int_arg("expiring_within", 0) if request.args.get("expiring_within")
                         else None))


@bp.post("/cases/<wf>/<int:case_id>/materials")
@documents(path=CasePath, body=MaterialUpload, form=True, response=Material, status=201,
           errors=(409, 413))
@requires(AGENCY_PERMISSION)
def upload_material(wf: str, case_id: int) -> tuple[Response, int]:
    """Upload (or replace) one application material of a draft or returned case."""
    file = request.files.get("file")
    upload = (file.filename, materials.read_limited(file.stream)) if file and file.filename else None
    material = service.add_material(case_type(wf), case_id, identity(), request.form.get("kind"),
                                    upload)
    return jsonify(materials.to_json(material)), 201


@bp.get("/cases/<wf>/<int:case_id>/materials")
@documents(path=CasePath, response=Material)
@requires(*WORKFLOW_READ, AGENCY_PERMISSION)
def list_materials(wf: str, case_id: int) -> Response:
    """List the case's application materials."""
    return jsonify([materials.to_json(m)
                    for m in service.case_materials(case_type(wf), case_id, identity())])


@bp.get("/cases/<wf>/<int:case_id>/materials/<int:material_id>")
@documents(path=MaterialPath, response=("application/pdf", "image/jpeg", "image/png"))
@requires(*WORKFLOW_READ, AGENCY_PERMISSION)
def get_material(wf: str, case_id: int, material_id: int) -> Response:
    """Open one material inline (each read audited)."""
    return materials.response(*service.read_material(case_type(wf), case_id, material_id,
                                                    identity()))


@bp.delete("/cases/<wf>/<int:case_id>/materials/<int:material_id>")
@documents(path=MaterialPath, status=204, errors=(409,))
@requires(AGENCY_PERMISSION)
def delete_material(wf: str, case_id: int, material_id: int) -> tuple[str, int]:
    """Remove one material of a draft or returned case."""
    service.delete_material(case_type(wf), case_id, material_id, identity())
    return "", 204
