"""The demo shows a case in each clock state, two districts' different 决定文号, and a 未报送
list (the newcomer's tour of the law's clocks and numbers)."""

from __future__ import annotations

import re

from tests.kit import CITY, HP

API = "/api/v1/cases/licensing"


def test_the_demo_shows_every_clock_state(runner, client, auth_header, login_as) -> None:
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    officer = auth_header("HRM_SL", HP)
    rows = client.get(f"{API}?q=时限演示&per_page=100", headers=officer).json["items"]
    by_name = {re.search(r"（(.+)）", r["agency"]["name"]).group(1): r for r in rows}
    assert by_name["审批临期"]["deadline_flag"] == "yellow"
    assert by_name["审批超期"]["deadline_flag"] == "red"
    assert by_name["已延长审批期限"]["extended"] is True
    assert by_name["已延长审批期限"]["deadline_flag"] is None
    assert by_name["视为受理（超过补正告知期限未受理）"]["deemed_accepted"] is True
    waiting = by_name["待登记发证"]
    assert (waiting["clock"], waiting["issued_on"], waiting["deadline_flag"]) == (
        "issue", None, None)
    assert by_name["登记发证超期"]["deadline_flag"] == "red"
    assert by_name["已登记发证"]["delivery"] == "electronic"
    # In time: the ordinary waiting cases.
    waiting_cases = client.get(f"{API}?status=submitted&per_page=100", headers=officer).json
    assert any(r["deadline_flag"] is None and not r["deemed_accepted"]
               for r in waiting_cases["items"])
    # Two districts' decisions carry their own division part.
    approved = client.get(f"{API}?status=approved&per_page=100",
                          headers=auth_header("HRM_SL", CITY)).json["items"]
    parts = {re.search(r"〕(\d{4})-", r["decision_number"]).group(1) for r in approved}
    assert {"0101", "0103"} <= parts
    missing = client.get("/api/v1/annual-reports/missing", headers=auth_header("HRM_GL", CITY))
    assert missing.status_code == 200 and missing.json["total"] > 0
    page = login_as("HRM_SL", HP).get("/licensing/accept").text
    assert "视为受理" in page and "mark red" in page and "mark yellow" in page
