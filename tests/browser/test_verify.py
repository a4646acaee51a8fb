"""Scan to verify as a newcomer does it: a licence approved, its certificate's QR code decoded
(zxing-cpp on the rendered PDF), the URL opened in a phone-sized Chromium without signing in —
有效 — then the licence revoked and the same URL reloaded: 已撤销."""

from __future__ import annotations

import pypdfium2
import pytest
import requests
import zxingcpp

from portal_plugin.core.clock import today
from sso.devportal import dev_portal_for
from tests.kit import HP, Api, People, agency_body, credit_code

pytestmark = pytest.mark.slow


def test_the_certificates_code_opens_the_licence_on_a_phone(browser, live):  # type: ignore[no-untyped-def]
    base, app = live

    def make(role: str, division: str = HP, **claims: str) -> dict[str, str]:
        with app.app_context():
            token = dev_portal_for(app).mint({"sub": f"{role}-{claims.get('org_credit_code')}",
                                              "name": "测试", "division": division,
                                              "roles": [role], **claims})
        return {"Authorization": f"Bearer {token}"}

    people = People(make)
    api = Api(app.test_client(), people)
    code = credit_code(7301)
    case = api.bring("licensing", {"agency": agency_body(code), "license_items": ["L01"]},
                     "approved", clerk=code)
    license_id = case["result"]["license_id"]
    pdf = requests.get(f"{base}/api/v1/licenses/{license_id}/certificate.pdf",
                       headers=people.clerk(code), timeout=60)
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    image = pypdfium2.PdfDocument(pdf.content)[0].render(scale=3).to_pil()
    [url] = [r.text for r in zxingcpp.read_barcodes(image)]
    assert url.startswith(f"{base}/verify/")

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page = phone.new_page()
        page.goto(url)
        assert page.get_by_text(case["result"]["license_number"]).first.is_visible()
        assert page.get_by_text("有效", exact=True).first.is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
        assert not phone.cookies()  # a public page: no session
        revoked = api.client.post("/api/v1/revocations", headers=people.officer("HRM_GL"), json={
            "license_id": license_id, "ground": "R03", "decision_date": today().isoformat(),
            "remarks": "事后核查发现虚假承诺"})
        assert revoked.status_code == 201, revoked.json
        page.reload()
        assert page.get_by_text("已撤销", exact=True).first.is_visible()
    finally:
        phone.close()
