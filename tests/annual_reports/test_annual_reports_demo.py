"""The demo data holds annual reports in several states and districts, the demo clerks' too."""

from __future__ import annotations

from tests.kit import CITY, HP

API = "/api/v1/annual-reports"


def test_demo_data_has_reports_to_review_and_export(runner, client, auth_header):
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    city = client.get(f"{API}?per_page=100", headers=auth_header("HRM_GL", CITY)).json
    assert {r["status"] for r in city["items"]} == {"submitted", "passed", "returned"}
    assert len({r["agency"]["division"] for r in city["items"]}) >= 3
    district = client.get(f"{API}?status=submitted", headers=auth_header("HRM_GL", HP)).json
    assert district["total"] >= 1
    own = client.get(API, headers=auth_header("HRM_JG", HP,
                                              org_credit_code="91120101MA05R7XQ0P")).json
    assert own["total"] == 3
