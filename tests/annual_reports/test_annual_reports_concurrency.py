"""年度报告 races on PostgreSQL: of parallel decisions on one report exactly one wins, through the
one guarded state change (no row lock: the conditional UPDATE alone decides)."""

from __future__ import annotations

from collections import Counter as Tally

from sqlalchemy import func, select

from portal_plugin.core.extensions import db
from portal_plugin.core.models import AuditEvent
from tests.workflows.test_concurrency import app, race, server  # noqa: F401 (fixtures)


def test_ten_parallel_passes_of_one_report_let_exactly_one_win(
        app, client, report, officer, server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    data = report("submitted")
    responses = race([("post", f"{server}/annual-reports/{data['id']}/pass", officer(), {})] * 10)

    tally = Tally(r.status_code for r in responses)
    assert tally == {200: 1, 409: 9}, [r.text for r in responses]
    after = client.get(f"/api/v1/annual-reports/{data['id']}", headers=officer()).json
    assert (after["status"], after["version"]) == ("passed", data["version"] + 1)
    assert [e["action"] for e in after["events"]] == ["create", "submit", "pass"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.object_type == "annual_report", AuditEvent.action == "pass")) == 1
