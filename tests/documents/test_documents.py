"""Documents at their steps (numbers, authority, date, content read back from the PDF), the
certificate's QR code, permissions and jurisdiction, and the public scan-to-verify page."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pypdf
import pypdfium2
import pytest
import zxingcpp
from sqlalchemy import select

from portal_plugin.core.extensions import db
from portal_plugin.core.models import License
from portal_plugin.documents import service
from tests.kit import CLERK_CODE, HX, ID_NO, add_agency, add_license, agency_body, credit_code
from workflows.documents import REMEDY, Document

HP_AUTHORITY = "天津市和平区人力资源和社会保障局"
PDF_TYPE = "application/pdf"
PDF_BYTES = b"%PDF-1.4\n%%EOF\n"  # a 遗失声明 as the clerk scanned it


def text_of(data: bytes) -> str:
    """The PDF's text with the layout's line breaks and spaces taken out."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def fonts_of(data: bytes) -> set[str]:
    """The base names of the fonts the PDF embeds (a CJK one, or the glyphs are missing)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return {str(font["/BaseFont"]) for page in reader.pages
            for font in page["/Resources"]["/Font"].values()}


def docs(api, wf: str, case: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    response = api.client.get(f"/api/v1/cases/{wf}/{case['id']}/documents", headers=headers)
    assert response.status_code == 200, response.json
    return {d["kind"]: d for d in response.json}


def today() -> str:
    return service.today().isoformat()


def licensed(api, seed: int = 501, items: list[str] | None = None) -> tuple[dict, str]:
    code = credit_code(seed)
    case = api.bring("licensing", {"agency": agency_body(code), "license_items": items or ["L01"]},
                     "approved", clerk=code)
    return case, code


def test_licensing_issues_acceptance_decision_and_certificate(app, api, people):
    case, code = licensed(api, items=["L01", "L04"])
    clerk = people.clerk(code)
    found = docs(api, "licensing", case, clerk)
    assert list(found) == ["acceptance_notice", "license_grant", "certificate"]
    result = case["result"]
    assert found["license_grant"]["number"] == result["decision_number"]
    assert found["certificate"]["number"] == result["license_number"]
    assert re.fullmatch(r"津人社许受字〔\d{4}〕0101-\d+号", found["acceptance_notice"]["number"])
    # The decision, downloaded by the clerk: number, authority, date, holder, licence, seal.
    response = api.client.get(found["license_grant"]["url"], headers=clerk)
    assert response.status_code == 200 and response.mimetype == PDF_TYPE
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    text = text_of(response.data)
    for expected in ("准予行政许可决定书", result["decision_number"], HP_AUTHORITY, today(),
                     agency_body(code)["name"], result["license_number"], "（印章）",
                     "职业中介活动", "开展网络招聘服务", case["case_no"]):
        assert expected in text, expected
    assert REMEDY not in text
    assert any("CJK" in font for font in fonts_of(response.data)), fonts_of(response.data)
    # Rendered once, then served from core.files, identical bytes.
    again = api.client.get(found["license_grant"]["url"], headers=clerk)
    assert again.data == response.data


def test_certificate_copies_and_their_qr_code(app, api, people):
    case, code = licensed(api, 502, items=["L01", "L04"])
    license_id = case["result"]["license_id"]
    detail = api.client.get(f"/api/v1/licenses/{license_id}", headers=people.officer("HRM_SL"))
    assert detail.status_code == 200, detail.json
    with app.app_context():
        key = db.session.get(License, license_id).verify_key
    assert detail.json["verify_url"] == f"http://localhost/verify/{key}"
    assert [v["version"] for v in detail.json["versions"]] == [1]
    assert {d["kind"] for d in detail.json["documents"]} == {"license_grant", "certificate"}
    response = api.client.get(f"/api/v1/licenses/{license_id}/certificate.pdf?copy=duplicate",
                              headers=people.clerk(code))
    assert response.status_code == 200 and response.mimetype == PDF_TYPE
    text = text_of(response.data)
    body = agency_body(code)
    for expected in ("人力资源服务许可证", "副本", "第1版", body["name"], code, body["legal_rep"],
                     body["address"], "（开展网络招聘服务）", case["result"]["license_number"],
                     HP_AUTHORITY, today()):
        assert expected in text, expected
    assert ID_NO not in text and body["phone"] not in text
    page = pypdfium2.PdfDocument(response.data)[0]
    image = page.render(scale=3).to_pil()
    decoded = [r.text for r in zxingcpp.read_barcodes(image)]
    assert decoded == [f"http://localhost/verify/{key}"]
    bad = api.client.get(f"/api/v1/licenses/{license_id}/certificate.pdf?copy=x",
                         headers=people.clerk(code))
    assert bad.status_code == 422 and "copy" in bad.json["error"]["fields"]


def test_refusal_states_reasons_and_remedies(app, api, people):
    code = credit_code(503)
    case = api.bring("licensing", {"agency": agency_body(code), "license_items": ["L01"]},
                     "pending_review", clerk=code)
    response = api.act("licensing", case["id"], "refuse", people.officer("HRM_SH"),
                       reason="经营场所不符合要求")
    assert response.status_code == 200, response.json
    found = docs(api, "licensing", case, people.clerk(code))
    refusal = found["license_refusal"]
    assert re.fullmatch(r"津人社不许字〔\d{4}〕0101-\d+号", refusal["number"])
    text = text_of(api.client.get(refusal["url"], headers=people.officer("HRM_SH")).data)
    for expected in ("不予行政许可决定书", refusal["number"], HP_AUTHORITY, today(),
                     "经营场所不符合要求", re.sub(r"\s+", "", REMEDY)):
        assert expected in text, expected


def test_return_reject_filing_and_deregistration_documents(app, api, people):
    code = credit_code(504)
    returned = api.bring("licensing", {"agency": agency_body(code), "license_items": ["L01"]},
                         "returned", clerk=code)
    rejected = api.bring("filing", {"agency": agency_body(credit_code(505)),
                                    "filing_items": ["F01"]}, "rejected", clerk=credit_code(505))
    filed = api.bring("filing", {"agency": agency_body(credit_code(506)),
                                 "filing_items": ["F01"]}, "approved", clerk=credit_code(506))
    with app.app_context():
        rows = {d.kind: d for d in db.session.scalars(select(Document))}
        correction, non_acceptance = rows["correction_notice"], rows["non_acceptance"]
        assert correction.case_id == returned["id"]
        assert correction.facts["reason"] == "材料不齐全"
        assert re.fullmatch(r"津人社许补字〔\d{4}〕0101-\d+号", correction.number)
        assert non_acceptance.case_id == rejected["id"] and non_acceptance.facts["remedy"] == REMEDY
        receipt = rows["filing_receipt"]
        assert receipt.number == filed["result"]["filing_number"]
        assert receipt.authority_name == HP_AUTHORITY and receipt.issued_on == service.today()
        numbers = [d.number for d in rows.values()]
        assert len(numbers) == len(set(numbers))
    # The filed agency gives its filing up: the 准予注销决定书 carries the 注销文号.
    dereg = api.bring("deregistration", {"targets": [{"kind": "filing",
                                                      "id": filed["result"]["filing_id"]}],
                                         "ground": "D01"}, "approved", clerk=credit_code(506))
    found = docs(api, "deregistration", dereg, people.clerk(credit_code(506)))
    assert found["deregistration_grant"]["number"] == dereg["result"]["document_number"]


def test_documents_are_out_of_scope_elsewhere(app, api, people):
    case, code = licensed(api, 507)
    license_id = case["result"]["license_id"]
    found = docs(api, "licensing", case, people.officer("HRM_SL"))
    outsiders = (people.officer("HRM_SL", HX), people.officer("HRM_SH", HX),
                 people.clerk(CLERK_CODE))
    for headers in outsiders:
        for url in (f"/api/v1/cases/licensing/{case['id']}/documents",
                    found["license_grant"]["url"], f"/api/v1/licenses/{license_id}",
                    f"/api/v1/licenses/{license_id}/certificate.pdf"):
            response = api.client.get(url, headers=headers)
            assert response.status_code == 404, (url, response.status_code)
    assert api.client.get("/api/v1/documents/999999.pdf",
                          headers=people.officer("HRM_SL")).status_code == 404
    assert api.client.get(found["license_grant"]["url"]).status_code == 401


def test_verification_page_follows_the_licence(app, api, people):
    case, code = licensed(api, 508)
    license_id = case["result"]["license_id"]
    with app.app_context():
        key = db.session.get(License, license_id).verify_key
    client = app.test_client()
    response = client.get(f"/verify/{key}")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    html = response.get_data(as_text=True)
    assert 'name="viewport"' in html
    body = agency_body(code)
    for expected in (body["name"], code, case["result"]["license_number"], "有效",
                     "为用人单位推荐劳动者", HP_AUTHORITY, "暂无"):
        assert expected in html, expected
    for secret in (ID_NO, body["phone"], body["legal_rep"], body["contact"]):
        assert secret not in html
    meta = client.get(f"/verify/{key}.json")
    assert meta.status_code == 200 and "Set-Cookie" not in meta.headers
    block = meta.json["metadata"]
    assert block["编号"] == case["result"]["license_number"] and block["颁发机构"] == HP_AUTHORITY
    assert block["持证主体"] == {"名称": body["name"], "统一社会信用代码": code}
    assert re.fullmatch(r"11120000HRMXK\.120101\.\d+\.[0-9X]", block["标识"])
    assert ID_NO not in meta.get_data(as_text=True)
    negotiated = client.get(f"/verify/{key}", headers={"Accept": "application/json"})
    assert negotiated.json["number"] == case["result"]["license_number"]
    # Revoked through the revocations API: the same URL says 已撤销.
    revoked = api.client.post("/api/v1/revocations", headers=people.officer("HRM_GL"), json={
        "license_id": license_id, "ground": "R03", "decision_date": today(), "remarks": "撤销"})
    assert revoked.status_code == 201, revoked.json
    assert client.get(f"/verify/{key}.json").json["status_label"] == "已撤销"


def test_verification_shows_the_reissued_certificate(app, api, people):
    """补发: the same URL names the certificate's new version (the old one no longer in force)."""
    case, code = licensed(api, 509)
    license_id = case["result"]["license_id"]
    with app.app_context():
        key = db.session.get(License, license_id).verify_key
    client = app.test_client()
    assert client.get(f"/verify/{key}.json").json["certificate_version"] == 1
    made = client.post(f"/api/v1/licenses/{license_id}/reissue-requests",
                       data={"cause": "lost", "reason": "证书正本遗失，已登报声明",
                             "file": (io.BytesIO(PDF_BYTES), "遗失声明.pdf")},
                       content_type="multipart/form-data", headers=people.clerk(code))
    assert made.status_code == 201, made.json
    decided = client.post(f"/api/v1/reissue-requests/{made.json['id']}/reissue", json={},
                          headers=people.officer("HRM_SL"))
    assert decided.status_code == 200, decided.json
    facts = client.get(f"/verify/{key}.json").json
    assert (facts["certificate_version"], facts["status_label"]) == (2, "有效")
    assert "第2版" in client.get(f"/verify/{key}").get_data(as_text=True)


def test_verification_says_expired_once_valid_until_passes(app, api):
    case, _ = licensed(api, 509)
    with app.app_context():
        license_ = db.session.get(License, case["result"]["license_id"])
        license_.valid_until = service.today() - dt.timedelta(days=1)
        key = license_.verify_key
        db.session.commit()
    html = app.test_client().get(f"/verify/{key}").get_data(as_text=True)
    assert "已过期" in html


def test_unknown_key_is_404_and_the_page_is_rate_limited(make_app):
    app = make_app(PUBLIC_RATE_LIMIT=3)
    client = app.test_client()
    response = client.get("/verify/no-such-key")
    assert response.status_code == 404 and "核验码无效" in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers
    assert client.get("/verify/no-such-key.json").status_code == 404
    assert client.get("/verify/x").status_code == 404
    limited = client.get("/verify/x")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "60"


def test_case_pages_list_the_documents_with_print_and_download(app, api, login_as):
    case, code = licensed(api, 510)
    officer = login_as("HRM_SL").get(f"/cases/licensing/{case['id']}").get_data(as_text=True)
    clerk = login_as("HRM_JG", org_credit_code=code).get(
        f"/agency/cases/licensing/{case['id']}").get_data(as_text=True)
    home = login_as("HRM_JG", org_credit_code=code).get("/agency/").get_data(as_text=True)
    assert f"/api/v1/licenses/{case['result']['license_id']}/certificate.pdf?copy=duplicate" in home
    for html in (officer, clerk):
        for expected in ("受理通知书", "准予行政许可决定书", case["result"]["decision_number"],
                         "【打印】", "【下载】", "许可证（正本）", "许可证（副本）"):
            assert expected in html, expected


def test_demo_data_issues_documents_once(app, runner):
    """`flask demo-data` goes through the engine: its decisions come with their documents, and
    a second run adds none."""
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    with app.app_context():
        kinds = {d.kind for d in db.session.scalars(select(Document))}
        made = len(list(db.session.scalars(select(Document.id))))
    assert {"acceptance_notice", "license_grant", "certificate"} <= kinds
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    with app.app_context():
        assert len(list(db.session.scalars(select(Document.id)))) == made


def test_every_record_gets_its_own_key_however_it_is_created(app):
    """The ORM default and a Core executemany (the history import) both set a fresh key."""
    with app.app_context():
        agency = add_agency(credit_code(611), HX, "核验码测试机构")
        one = add_license(agency, "（津）人服证字〔2024〕第01030001号")
        db.session.execute(License.__table__.insert(), [
            {"agency_id": agency.id, "license_number": f"（津）人服证字〔2024〕第0103000{n}号",
             "items": ["L01"], "issued_on": dt.date(2024, 1, 1), "status": "valid",
             "source": "history_import", "decision_number_repeat": 0}
            for n in (2, 3)])
        keys = [row.verify_key for row in db.session.scalars(
            select(License).where(License.agency_id == agency.id))]
        assert one.verify_key in keys and len(set(keys)) == 3
        assert all(len(k) >= 32 for k in keys)
        db.session.rollback()


def test_verify_page_styles_load_under_the_content_security_policy(app):
    """No inline style (CSP default-src 'self'): the stylesheet is a static file, cookie-free."""
    client = app.test_client()
    html = client.get("/verify/no-such-key").get_data(as_text=True)
    assert "<style" not in html and "verify.css" in html
    css = client.get(re.search(r'href="([^"]*verify\.css)"', html).group(1))
    assert css.status_code == 200 and "Set-Cookie" not in css.headers


@pytest.mark.parametrize("wf", ["licensing", "filing", "change", "branch", "deregistration"])
@pytest.mark.parametrize("state", ["approved", "refused", "rejected", "returned"])
def test_every_decision_issues_its_documents(app, api, people, case_in, wf, state):
    """Each workflow's steps issue AT_STEP's kinds, with the deciding bureau as authority and
    the applicant as addressee; refusals carry the 复议/诉讼 sentence."""
    from workflows.documents import KINDS, kinds_for

    case, code = case_in(wf, state)
    actions = {"approved": ("accept", "approve"), "refused": ("accept", "refuse"),
               "rejected": ("reject",), "returned": ("return",)}[state]
    want = [k for action in actions for k in kinds_for(wf, action)]
    if (wf, state) == ("change", "approved"):
        want.insert(want.index("change_grant"), "certificate")  # 换发 in the approval
    found = docs(api, wf, case, people.clerk(code))
    assert list(found) == want
    # A branch report is decided where the branch is (河西区), the others in 和平区.
    division, authority = (HX, "天津市河西区人力资源和社会保障局") if wf == "branch" else (
        "120101", HP_AUTHORITY)
    with app.app_context():
        for document in db.session.scalars(select(Document).where(Document.case_id == case["id"])):
            assert (document.division_code, document.authority_name) == (division, authority)
            assert document.credit_code == code and document.issued_on == service.today()
            assert document.facts["number"] == document.number
            assert (document.facts.get("remedy") == REMEDY) == (
                KINDS[document.kind].refusal or document.kind == "non_acceptance")


def test_public_base_url_names_the_verification_address(make_app, people):
    app = make_app(PUBLIC_BASE_URL="https://hrm.example.gov.cn/hrm/")
    from tests.kit import Api

    api = Api(app.test_client(), people)
    case, code = licensed(api, 512)
    with app.app_context():
        key = db.session.get(License, case["result"]["license_id"]).verify_key
    detail = api.client.get(f"/api/v1/licenses/{case['result']['license_id']}",
                            headers=people.clerk(code))
    assert detail.json["verify_url"] == f"https://hrm.example.gov.cn/hrm/verify/{key}"
