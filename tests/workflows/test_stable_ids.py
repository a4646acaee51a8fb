"""Ids are never reused (SQLite AUTOINCREMENT, PostgreSQL sequences): an agency added after a
deleted one gets a new id, so the deleted agency's audit events and 变更记录 stay its own."""

from __future__ import annotations

from sqlalchemy import select

from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency, AuditEvent
from tests.kit import HP, entry_body


def test_a_new_agency_after_a_deleted_one_shows_only_its_own_history(app, client, people,
                                                                     login_as) -> None:
    manager = people.officer("HRM_GL", HP)
    first = client.post("/api/v1/agencies", json=entry_body(1), headers=manager)
    assert first.status_code == 201, first.json
    old_id = first.json["id"]
    edited = client.put(f"/api/v1/agencies/{old_id}", headers=manager,
                        json={**entry_body(1), "address": "天津市被删除机构旧址路9号"})
    assert edited.status_code == 200, edited.json
    assert client.delete(f"/api/v1/agencies/{old_id}", headers=manager).status_code in (200, 204)
    # The deleted agency was the last row: SQLite without AUTOINCREMENT would give its id again.
    second = client.post("/api/v1/agencies", json=entry_body(2), headers=manager)
    assert second.status_code == 201, second.json
    new_id = second.json["id"]
    assert new_id > old_id
    page = login_as("HRM_GL", HP).get(f"/agencies/{new_id}").text
    assert "天津市被删除机构旧址路9号" not in page and "无变更记录" in page
    with app.app_context():
        assert db.session.get(Agency, old_id) is None
        # Its own events only: the creation, and the audited full read of the page just opened.
        ours = db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_type == "agency", AuditEvent.object_id == str(new_id))
            .order_by(AuditEvent.id)).all()
        assert ours == ["create", "read_personal_data"]
