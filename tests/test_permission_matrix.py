"""Every declared endpoint × every default role, a portal user with no role here and no one at
all × own and foreign district answers as the registry declares (pages and API alike)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import select

from portal_plugin.core import files
from portal_plugin.core.access import Access, declared
from portal_plugin.core.extensions import db
from portal_plugin.core.permissions import DEFAULT_ROLES
from portal_plugin.history.models import ImportBatch
from tests.conftest import csrf_token_from
from tests.kit import (
    CLERK_CODE,
    HP,
    HX,
    OTHER_CODE,
    WORKFLOWS,
    YEAR,
    Api,
    People,
    add_agency,
    add_filing,
    add_license,
    agency_body,
    fair_body,
    report_body,
)
from workflows.commitment import Exclusion, Inspection
from workflows.documents import Document
from workflows.materials import CaseMaterial
from workflows.models import ReissueRequest

NO_ROLE = "PORTAL_ONLY"  # a portal user whose roles grant nothing here
FOREIGN = "120102"  # 河东区: outside a 和平区 officer's jurisdiction
MISSING_ID = 987654
SL, SH, GL, CX, JG = "HRM_SL", "HRM_SH", "HRM_GL", "HRM_CX", "HRM_JG"
OFFICERS = frozenset({SL, SH, GL, CX})
MANAGER, CLERK, ANALYSTS = frozenset({GL}), frozenset({JG}), frozenset({GL, CX})
# What the JSON faces answer (core.errors.wants_json); the rest are pages.
JSON_BLUEPRINTS = ("hrm.api", "hrm.portal")


@dataclass(frozen=True)
class Ref:
    """A URL argument that is the id of one of the `objects` the fixture made."""

    name: str


def step_action(role: str | None) -> str:
    """A case transition of the role's own step (审核岗 decides, the others accept)."""
    return "approve" if role == SH else "accept"


EVERYONE = frozenset(DEFAULT_ROLES)


@dataclass(frozen=True)
class Call:
    """One concrete request for an endpoint; nothing it sends may change data.

    ok: the status a permitted user gets on the objects of its own district (or, on a public
    endpoint, everyone). holders: the default roles the manual gives the function to, checked
    against the registry so that a loosened declaration cannot pass unnoticed.
    """

    method: str
    args: Mapping[str, Any]
    body: Mapping[str, Any] | None
    ok: int
    holders: frozenset[str]

    def url(self, endpoint: str, objects: Mapping[str, int], role: str | None,
            missing: bool) -> str:
        """The URL for the fixture's objects (or ids that exist nowhere); needs a request context."""
        values = {}
        for key, value in self.args.items():
            if isinstance(value, Ref):
                value = MISSING_ID if missing else objects[value.name]
            elif callable(value):
                value = value(role)
            values[key] = value
        return url_for(endpoint, **values)

    @property
    def refers(self) -> bool:
        """Whether the URL names an object (which a foreign district must not find)."""
        return any(isinstance(v, Ref) for v in self.args.values())


def get(ok: int = 200, holders: frozenset[str] = EVERYONE, **args: Any) -> Call:
    return Call("GET", args, None, ok, holders)


def send(method: str, body: Mapping[str, Any] | None, ok: int, holders: frozenset[str],
         **args: Any) -> Call:
    return Call(method, args, body, ok, holders)


CASE = {"wf": "licensing", "case_id": Ref("case")}
STALE = {"version": 0}  # a permitted write answers 409 and changes nothing

# endpoint → its request. Every endpoint of the registry needs a row (see the first check).
CALLS: dict[str, Call] = {
    # --- the case pages and the clerk's pages
    **{f"hrm.cases.{wf}_{step}": get(holders=frozenset({SL if step == "accept" else SH}))
       for wf in (*WORKFLOWS, "renewal") for step in ("accept", "review")},
    # 即将到期: the jurisdiction's licences ending within 90 days (tests/lifecycle: other districts').
    "hrm.cases.licensing_expiring": get(holders=OFFICERS),
    "hrm.cases.licensing_view": get(holders=OFFICERS),
    "hrm.cases.filing_view": get(holders=OFFICERS),
    "hrm.cases.case_page": get(holders=OFFICERS, **CASE),
    # A refused decision goes back to the case page with its message (303, no re-post).
    "hrm.cases.case_action": send("POST", STALE, 303, frozenset({SL, SH}), **CASE,
                                  action=step_action),
    "hrm.cases.case_confirm": get(holders=frozenset({SL, SH}), **CASE, action=step_action),
    "hrm.cases.case_extend": send("POST", {"reason": "需要现场核查", **STALE}, 409,
                                  frozenset({SH}), **CASE),
    "hrm.cases.case_issue": send("POST", {"issued_on": "2026-01-05", "delivery": "counter",
                                          **STALE}, 409, frozenset({SL}), case_id=Ref("case")),
    "hrm.agency.home": get(holders=CLERK),
    **{f"hrm.agency.apply_{wf}": get(holders=CLERK) for wf in (*WORKFLOWS, "renewal")},
    "hrm.agency.case_page": get(holders=CLERK, **CASE),
    "hrm.pages.workbench": get(),
    # --- 机构管理
    "hrm.agencies.index": get(holders=MANAGER),
    "hrm.agencies.new": get(holders=MANAGER),
    "hrm.agencies.detail": get(holders=OFFICERS, agency_id=Ref("agency")),
    "hrm.agencies.edit": get(holders=MANAGER, agency_id=Ref("agency")),
    "hrm.agencies.delete": get(holders=MANAGER, agency_id=Ref("agency")),
    "hrm.agencies_api.list_agencies": get(holders=OFFICERS),
    "hrm.agencies_api.get_agency": get(holders=OFFICERS, agency_id=Ref("agency")),
    "hrm.agencies_api.create": send("POST", {}, 422, MANAGER),
    "hrm.agencies_api.update": send("PUT", {"name": ""}, 422, MANAGER,
                                    agency_id=Ref("agency")),
    # Refused while the agency holds a licence: a 409, and nothing is deleted.
    "hrm.agencies_api.remove": send("DELETE", None, 409, MANAGER,
                                    agency_id=Ref("agency")),
    # --- 注销单位行政许可
    "hrm.revocations.index": get(holders=MANAGER),
    "hrm.revocations.new": get(holders=MANAGER),
    "hrm.revocations_api.list_revocations": get(holders=MANAGER),
    "hrm.revocations_api.create": send("POST", {}, 422, MANAGER),
    # --- 告知承诺核查 (the exclusion entry has ended already: 【移除】 answers 409)
    "hrm.inspections.index": get(holders=MANAGER),
    "hrm.inspections.detail": get(holders=MANAGER, inspection_id=Ref("inspection")),
    "hrm.inspections.outcome": send("POST", {"outcome": "passed", **STALE}, 409, MANAGER,
                                    inspection_id=Ref("inspection")),
    "hrm.inspections.exclusions": get(holders=MANAGER),
    "hrm.inspections.new_exclusion": get(holders=MANAGER),
    "hrm.inspections.end_exclusion": send("POST", {}, 409, MANAGER,
                                          exclusion_id=Ref("exclusion")),
    "hrm.inspections_api.list_inspections": get(holders=MANAGER),
    "hrm.inspections_api.inspection_outcome": send("POST", {"outcome": "passed", **STALE}, 409,
                                                   MANAGER, inspection_id=Ref("inspection")),
    "hrm.inspections_api.list_exclusions": get(holders=MANAGER),
    "hrm.inspections_api.create_exclusion": send("POST", {}, 422, MANAGER),
    "hrm.inspections_api.delete_exclusion": send("DELETE", None, 409, MANAGER,
                                                 exclusion_id=Ref("exclusion")),
    # --- 双公示 and the public list (条例 Art 22: public, no login)
    "hrm.publicity.index": get(holders=MANAGER),
    "hrm.publicity.export": get(holders=MANAGER),
    "hrm.publicity.publish": send("POST", {}, 422, MANAGER),
    "hrm.publicity_api.queue_api": get(holders=MANAGER),
    "hrm.publicity_api.export_api": get(holders=MANAGER, format="xlsx"),
    "hrm.publicity_api.publish_api": send("POST", {}, 422, MANAGER),
    "hrm.public.agencies": get(),
    "hrm.public.agencies_json": get(),
    "hrm.public.agencies_xlsx": get(),
    # --- 年度报告
    "hrm.annual_reports.index": get(holders=MANAGER),
    "hrm.annual_reports.detail": get(holders=MANAGER, report_id=Ref("report")),
    "hrm.annual_reports.act": send("POST", STALE, 409, MANAGER, report_id=Ref("report"),
                                   action="pass"),
    "hrm.annual_reports.export": get(holders=MANAGER, year=YEAR),
    "hrm.annual_reports.missing": get(holders=MANAGER),
    "hrm.annual_reports.missing_export": get(holders=MANAGER, year=YEAR),
    "hrm.annual_reports_api.missing_api": get(holders=MANAGER, year=YEAR),
    "hrm.agency_annual_reports.own": get(holders=CLERK),
    "hrm.agency_annual_reports.new": get(holders=CLERK),
    "hrm.agency_annual_reports.detail_own": get(holders=CLERK, report_id=Ref("report")),
    "hrm.agency_annual_reports.edit": get(holders=CLERK, report_id=Ref("report")),
    "hrm.agency_annual_reports.submit_own": send("POST", STALE, 409, CLERK,
                                                 report_id=Ref("report")),
    "hrm.annual_reports_api.create": send("POST", {}, 422, CLERK),
    "hrm.annual_reports_api.update": send("PUT", {**report_body(), **STALE}, 409, CLERK,
                                          report_id=Ref("report")),
    "hrm.annual_reports_api.submit": send("POST", STALE, 409, CLERK,
                                          report_id=Ref("report")),
    "hrm.annual_reports_api.list_reports": get(holders=frozenset({GL, JG})),
    "hrm.annual_reports_api.get_report": get(holders=frozenset({GL, JG}),
                                             report_id=Ref("report")),
    "hrm.annual_reports_api.review": send("POST", STALE, 409, MANAGER,
                                          report_id=Ref("report"), action="pass"),
    "hrm.annual_reports_api.export_api": get(holders=MANAGER, year=YEAR),
    # --- 工作日历
    "hrm.calendar.index": get(holders=MANAGER),
    "hrm.calendar.add": send("POST", {"day": "2026-02-30", "kind": "holiday", "name": "春节"},
                             422, MANAGER),
    "hrm.calendar.remove": send("POST", {}, 422, MANAGER, day="2026-13-01"),
    "hrm.calendar_api.get_year": get(holders=MANAGER, year=2026),
    "hrm.calendar_api.put_year": send("PUT", {"days": [{"day": "bad"}]}, 422, MANAGER,
                                      year=2026),
    # --- 现场招聘会
    "hrm.job_fairs.index": get(holders=OFFICERS),
    "hrm.job_fairs.detail": get(holders=OFFICERS, fair_id=Ref("fair")),
    "hrm.agency_job_fairs.own": get(holders=CLERK),
    "hrm.agency_job_fairs.new": get(holders=CLERK),
    "hrm.agency_job_fairs.detail_own": get(holders=CLERK, fair_id=Ref("fair")),
    "hrm.job_fairs_api.create": send("POST", {}, 422, CLERK),
    "hrm.job_fairs_api.list_fairs": get(holders=EVERYONE),
    "hrm.job_fairs_api.get_fair": get(holders=EVERYONE, fair_id=Ref("fair")),
    "hrm.job_fairs_api.put_permit": send("PUT", {"police_permit_no": ""}, 422, CLERK,
                                         fair_id=Ref("fair")),
    "hrm.agency_job_fairs.permit": send("POST", {}, 422, CLERK, fair_id=Ref("fair")),
    # --- 统计分析
    "hrm.statistics.statistics_new": get(holders=ANALYSTS),
    "hrm.statistics.statistics_deregistered": get(holders=ANALYSTS),
    "hrm.statistics.export": get(holders=ANALYSTS, kind="new"),
    "hrm.statistics.api_new": get(holders=ANALYSTS),
    "hrm.statistics.api_deregistered": get(holders=ANALYSTS),
    # --- 历史数据采集
    "hrm.history.index": get(holders=MANAGER),
    "hrm.history.start": get(holders=MANAGER),
    "hrm.history.batch_page": get(holders=MANAGER, batch_id=Ref("batch")),
    "hrm.history.batches": get(holders=MANAGER),
    "hrm.history.edit": get(holders=MANAGER, agency_id=Ref("agency")),
    "hrm.history.delete": get(holders=MANAGER, agency_id=Ref("agency")),
    # The batch is imported and its file gone: no report, no second import; and its agency has
    # a licence from outside the batch, so neither undoing it nor deleting the record is allowed.
    **{f"hrm.{face}.{name}": call for face in ("history", "history_api") for name, call in {
        "template": get(holders=MANAGER),
        "upload": send("POST", {}, 422, MANAGER),
        "report": get(409, MANAGER, batch_id=Ref("batch")),
        "commit": send("POST", {}, 409, MANAGER, batch_id=Ref("batch")),
        "undo": send("POST", {}, 409, MANAGER, batch_id=Ref("batch")),
    }.items()},
    "hrm.history_api.list_batches": get(holders=MANAGER),
    "hrm.history_api.get_batch": get(holders=MANAGER, batch_id=Ref("batch")),
    "hrm.history_api.list_records": get(holders=MANAGER),
    "hrm.history_api.get_record": get(holders=MANAGER, agency_id=Ref("agency")),
    "hrm.history_api.update_record": send("PUT", {}, 422, MANAGER, agency_id=Ref("agency")),
    "hrm.history_api.delete_record": send("DELETE", None, 409, MANAGER, agency_id=Ref("agency")),
    # --- the case API
    "hrm.api.create_case": send("POST", {}, 422, CLERK, wf="licensing"),
    "hrm.api.edit_case": send("PUT", STALE, 409, CLERK, **CASE),
    "hrm.api.submit_case": send("POST", STALE, 409, CLERK, **CASE),
    "hrm.api.list_cases": get(holders=EVERYONE, wf="licensing"),
    "hrm.api.get_case": get(holders=EVERYONE, **CASE),
    "hrm.api.act_on_case": send("POST", STALE, 409, frozenset({SL, SH}), **CASE,
                                action=step_action),
    "hrm.api.extend_case": send("POST", {"reason": "需要现场核查", **STALE}, 409,
                                frozenset({SH}), **CASE),
    "hrm.api.issue_license": send("POST", {"issued_on": "2026-01-05", "delivery": "counter",
                                           **STALE}, 409, frozenset({SL}),
                                  case_id=Ref("case")),
    "hrm.api.upload_material": send("POST", {}, 409, CLERK, **CASE),
    "hrm.api.list_materials": get(holders=EVERYONE, **CASE),
    "hrm.api.get_material": get(holders=EVERYONE, **CASE, material_id=Ref("material")),
    "hrm.api.delete_material": send("DELETE", None, 409, CLERK, **CASE,
                                    material_id=Ref("material")),
    "hrm.cases.material_file": get(holders=EVERYONE, **CASE, material_id=Ref("material")),
    "hrm.api.list_licenses": get(holders=OFFICERS),
    "hrm.api.create_reissue_request": send("POST", {}, 422, CLERK, license_id=Ref("license")),
    "hrm.api.list_reissue_requests": get(holders=EVERYONE, license_id=Ref("license")),
    # The fixture's request is decided already: a permitted decision is 409 and changes nothing.
    "hrm.api.decide_reissue_request": send("POST", {}, 409, frozenset({SL}),
                                           request_id=Ref("reissue"), action="reissue"),
    # --- licence pages (换发 / 补发)
    "hrm.licenses.detail": get(holders=OFFICERS, license_id=Ref("license")),
    "hrm.licenses.pending": get(holders=frozenset({SL})),
    "hrm.licenses.statement": get(holders=EVERYONE, request_id=Ref("reissue")),
    "hrm.licenses.decide": send("POST", {}, 409, frozenset({SL}), request_id=Ref("reissue"),
                                action="return"),
    "hrm.agency_licenses.own": get(holders=CLERK, license_id=Ref("license")),
    "hrm.agency_licenses.report": send("POST", {}, 422, CLERK, license_id=Ref("license")),
    # --- documents (as the case / the licence) and the public scan-to-verify page
    "hrm.documents_api.case_documents": get(holders=EVERYONE, **CASE),
    "hrm.documents_api.pdf": get(holders=EVERYONE, document_id=Ref("document")),
    "hrm.documents_api.license_detail": get(holders=EVERYONE, license_id=Ref("license")),
    "hrm.documents_api.certificate": get(holders=EVERYONE, license_id=Ref("license")),
    "hrm.verify.page": get(404, key="unknown-key"),
    "hrm.verify.json_facts": get(404, key="unknown-key"),
    "hrm.api.list_filings": get(holders=OFFICERS),
    "hrm.api_root.get_catalog": get(),
    "hrm.api_root.openapi": get(),
    # --- the portal hooks, sign-in and the dev portal (public but for the menu)
    "hrm.portal.manifest": get(),
    "hrm.portal.menu": get(),
    "hrm.portal.healthz": get(),
    "hrm.portal.favicon": get(301),
    "hrm.metrics.metrics": get(),
    "hrm.sso.login": get(302),
    "hrm.sso.callback": get(302),
    "hrm.sso.logout": get(302),
    "hrm.sso.backchannel_logout": send("POST", {}, 400, EVERYONE),
    "hrm.dev_portal.login_page": get(),
    "hrm.dev_portal.login": send("POST", {"user": ""}, 302, EVERYONE),
    "hrm.dev_portal.jwks": get(),
}
ROLES = [*sorted(DEFAULT_ROLES), NO_ROLE]
# A clerk's reach is its agency: "foreign" is another agency's clerk, and "elsewhere" the
# default clerk with another division in its portal claims (it must reach just as far).
IDENTITIES = [*((role, place) for role in ROLES for place in ("own", "foreign")),
              (JG, "elsewhere"), (None, "own")]


@pytest.fixture
def objects(app: Flask, api: Api, client: FlaskClient, people: People) -> dict[str, int]:
    """One of everything a URL names, all in 和平区 and of the default clerk's agency: a
    submitted licensing case, the agency (registered with a licence and a filing, and the
    record of an imported batch), that batch, a submitted annual report and a job fair."""
    case = api.bring("licensing", {"agency": agency_body(), "license_items": ["L01"]}, "submitted")
    with app.app_context():
        batch = ImportBatch(status="imported", file_name="历史数据.xlsx", uploaded_by="matrix",
                            uploaded_by_name="测试", division_code=HP)
        db.session.add(batch)
        db.session.flush()
        agency = add_agency(CLERK_CODE, HP, "津和人力资源服务有限公司", import_batch_id=batch.id)
        # The licence allows job fairs (组织开展现场招聘会) and has a 补发 request returned already.
        licence = add_license(agency, "津人服证字〔2024〕0101号", items=["L01", "L03"])
        add_filing(agency, "津人服备字〔2024〕0101号")
        add_agency(OTHER_CODE, HX, "河西英才人力资源有限公司")
        inspection = Inspection(license_id=licence.id, case_id=case["id"], agency_id=agency.id,
                                division_code=HP, status="open", due=dt.date(2026, 1, 31))
        ended = Exclusion(credit_code=CLERK_CODE, agency_name=agency.name, division_code=HP,
                          reason="serious_dishonesty", starts_on=dt.date(2025, 1, 1),
                          ends_on=dt.date(2025, 6, 1), created_by="matrix",
                          created_by_name="测试")
        files.put("reissue/matrix.pdf", b"%PDF-1.4 matrix", name="遗失声明.pdf",
                  content_type="application/pdf")
        reissue = ReissueRequest(
            license_id=licence.id, agency_id=agency.id, division_code=HP, cause="lost",
            reason="遗失", file_key="reissue/matrix.pdf", file_name="遗失声明.pdf",
            status="returned", decision_reason="声明未登报", created_by="matrix",
            created_by_name="测试")
        made_on = dt.date(2024, 3, 1)
        notice = Document(kind="acceptance_notice", number="津人社许受字〔2024〕0101-1号",
                          case_id=case["id"], credit_code=CLERK_CODE, division_code=HP,
                          authority_name="天津市和平区人力资源和社会保障局", issued_on=made_on,
                          facts={"title": "受理通知书", "items": []})
        certificate = Document(kind="certificate", number=licence.license_number,
                               license_id=licence.id, credit_code=CLERK_CODE, division_code=HP,
                               authority_name="天津市和平区人力资源和社会保障局",
                               issued_on=made_on, facts={"title": "人力资源服务许可证",
                                                         "items": [], "version": 1})
        db.session.add_all([inspection, ended, reissue, notice, certificate])
        db.session.commit()
        made = {"case": case["id"], "agency": agency.id, "batch": batch.id,
                "inspection": inspection.id, "exclusion": ended.id,
                "license": licence.id, "reissue": reissue.id, "document": notice.id,
                "material": db.session.scalar(select(CaseMaterial.id).where(
                    CaseMaterial.case_id == case["id"]))}
    report = client.post("/api/v1/annual-reports", json=report_body(submit=True),
                         headers=people.clerk())
    fair = client.post("/api/v1/job-fairs", json=fair_body(), headers=people.clerk())
    assert (report.status_code, fair.status_code) == (201, 201), (report.json, fair.json)
    return {**made, "report": report.json["id"], "fair": fair.json["id"]}


def snapshot(app: Flask) -> dict[str, list[str]]:
    """Every row of every table, to show that the matrix changed nothing (an export and a full
    read of personal data are audited by design: that trail of who downloaded or read what is
    not a change to the data)."""
    with app.app_context():
        rows = {}
        for table in db.metadata.sorted_tables:
            query = select(table)
            if table.name == "audit_events":
                query = query.where(table.c.action.not_in(("export", "read_personal_data")))
            if table.name == "stored_files":  # the rendered PDFs' cache is derived, not data
                query = query.where(table.c.key.not_like("documents/%"))
            rows[table.name] = sorted(repr(tuple(row)) for row in db.session.execute(query))
        return rows


def claims_of(role: str, place: str) -> dict[str, str]:
    """Where an identity sits: an officer's division, or for a clerk also its agency."""
    if role != JG:
        return {"division": HP if place == "own" else FOREIGN}
    return {"own": {"division": HP, "org_credit_code": CLERK_CODE},
            "foreign": {"division": HX, "org_credit_code": OTHER_CODE},
            "elsewhere": {"division": FOREIGN, "org_credit_code": CLERK_CODE}}[place]


def is_json(endpoint: str, url: str) -> bool:
    """Whether the endpoint answers JSON (core.errors.wants_json) rather than pages."""
    return endpoint.startswith(JSON_BLUEPRINTS) or url.endswith(".json") or "/api/v1/" in url


def refused(access: Access, role: str | None) -> bool:
    """403: a signed-in user whose roles hold none of the declared permissions."""
    if access.public or role is None:
        return False
    held = DEFAULT_ROLES[role].permissions if role in DEFAULT_ROLES else frozenset()
    return not held or (bool(access.permissions) and access.permissions.isdisjoint(held))


def expectation(access: Access, call: Call, role: str | None, place: str, missing: bool,
                json: bool) -> int:
    """The status this request must get (302 from a page means the login redirect)."""
    if access.public:
        return call.ok
    if role is None:
        return 401 if json or call.method != "GET" else 302
    if refused(access, role):
        return 403
    if missing or (place == "foreign" and call.refers):
        return 404
    return call.ok


def meets(response: Any, want: int, json: bool, role: str | None, public: bool) -> bool:
    """The status, and that a refusal or a login redirect is the right one."""
    if response.status_code != want:
        return False
    if want == 403 and json:
        return response.json["error"]["code"] == (
            "forbidden" if role in DEFAULT_ROLES else "no_access")
    if want == 302 and role is None and not public:
        return "/sso/login" in response.headers["Location"]
    return True


@pytest.mark.parametrize(("role", "place"), IDENTITIES,
                         ids=[f"{role or 'anonymous'}-{place}" for role, place in IDENTITIES])
def test_every_endpoint_answers_every_identity_as_declared(
        app: Flask, client: FlaskClient, objects: dict[str, int],
        auth_header: Callable[..., dict[str, str]], login_as: Callable[..., FlaskClient],
        role: str | None, place: str) -> None:
    """public/signed-in: never 403 to a role holder; no identity: 401 (API, forms) or the login
    redirect (page GET); 403 exactly when the roles hold none of the declared permissions; an
    object of another district (or none at all): 404; never a 500; nothing changes."""
    access = {reg.endpoint: reg.access for reg in declared(app)}
    assert set(access) == set(CALLS), "every declared endpoint needs a row in CALLS"
    if role in DEFAULT_ROLES:
        for endpoint, call in CALLS.items():
            allowed = not refused(access[endpoint], role)
            assert allowed == (role in call.holders), (endpoint, role, "the holders differ")
    before = snapshot(app)
    if role is None:
        headers: dict[str, str] = {}
        browser = app.test_client()
    else:
        headers = auth_header(role, **claims_of(role, place))
        browser = login_as(role, **claims_of(role, place))
    csrf = csrf_token_from(browser.get("/dev-portal/").text)
    wrong = []
    # Signing out ends the session the other pages use, so it goes last.
    for endpoint in sorted(CALLS, key=lambda e: e == "hrm.sso.logout"):
        call = CALLS[endpoint]
        for missing in (False, True) if call.refers else (False,):
            with app.test_request_context():
                url = call.url(endpoint, objects, role, missing)
            json = is_json(endpoint, url)
            if json:
                response = client.open(url, method=call.method, json=call.body, headers=headers)
            else:
                data = {**(call.body or {}), "csrf_token": csrf} if call.method != "GET" else None
                response = browser.open(url, method=call.method, data=data)
            want = expectation(access[endpoint], call, role, place, missing, json)
            if not meets(response, want, json, role, access[endpoint].public):
                wrong.append((endpoint, call.method, url, response.status_code, want))
    assert not wrong, "\n".join(map(str, wrong))
    assert snapshot(app) == before, "the matrix changed data"
