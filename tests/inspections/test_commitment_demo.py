"""The demo holds a 告知承诺 licence with its 事后核查 due, a commitment case waiting for 受理,
and an agency on the exclusion list; loading it twice changes nothing."""

from __future__ import annotations

from tests.kit import CITY, HX


def test_the_demo_shows_the_commitment_procedure(runner, client, auth_header) -> None:
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    manager = auth_header("HRM_GL", CITY)
    checks = client.get("/api/v1/inspections?status=open", headers=manager).json
    assert checks["total"] == 1 and checks["items"][0]["days_left"] == 30
    exclusions = client.get("/api/v1/exclusions?active=true", headers=manager).json
    assert exclusions["total"] == 1 and exclusions["items"][0]["reason"] == "serious_dishonesty"
    waiting = client.get("/api/v1/cases/licensing?status=submitted&per_page=100",
                         headers=auth_header("HRM_SL", HX)).json["items"]
    assert any("grant" in row["actions"] for row in waiting)
    again = runner.invoke(args=["demo-data"])
    assert again.exit_code == 0
    assert client.get("/api/v1/inspections", headers=manager).json["total"] == 1
