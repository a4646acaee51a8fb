"""Confirming an import: all rows in one transaction, checked again against today's registry."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from portal_plugin.extensions import db
from portal_plugin.history.checks import CHUNK
from portal_plugin.models import ImportBatch
from tests.history.conftest import CITY, fill, row


def checked(template, upload, count: int) -> dict:
    """A checked batch of `count` rows, ready to import."""
    response = upload(fill(template, [row(n) for n in range(1, count + 1)]))
    assert response.status_code == 201 and response.json["error_count"] == 0
    return response.json


@pytest.fixture
def batch(template, upload) -> dict:
    return checked(template, upload, 20)


def test_a_database_failure_during_commit_leaves_no_record_of_the_batch(app, client, gl,
                                                                        template, upload,
                                                                        registry):
    batch = checked(template, upload, CHUNK + 100)  # two insert chunks
    before = registry()
    inserts = []

    def fail_on_filings(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO filings"):
            inserts.append(statement)
            if len(inserts) == 2:  # the second chunk: agencies and licences of two chunks are in
                raise RuntimeError("database connection lost")

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", fail_on_filings)
    try:
        response = client.post(f"/api/v1/history-imports/{batch['id']}/commit", headers=gl(CITY))
    finally:
        event.remove(engine, "before_cursor_execute", fail_on_filings)
    assert response.status_code == 500 and len(inserts) == 2
    assert registry() == before
    with app.app_context():
        assert db.session.get(ImportBatch, batch["id"]).status == "validated"

    retried = client.post(f"/api/v1/history-imports/{batch['id']}/commit", headers=gl(CITY))
    assert retried.status_code == 200 and retried.json["imported"] == CHUNK + 100
    assert len(registry()["agencies"] - before["agencies"]) == CHUNK + 100


def test_commit_checks_again_and_imports_nothing_when_the_registry_changed(
        app, client, template, upload, gl, registry):
    rows = [row(n) for n in range(1, 6)]
    first = upload(fill(template, rows)).json
    second = upload(fill(template, [row(3), row(99)])).json
    assert first["error_count"] == 0 and second["error_count"] == 0
    assert client.post(f"/api/v1/history-imports/{second['id']}/commit",
                       headers=gl(CITY)).status_code == 200
    before = registry()
    response = client.post(f"/api/v1/history-imports/{first['id']}/commit", headers=gl(CITY))
    assert response.status_code == 409
    assert "发生了变化" in response.json["error"]["message"]
    assert registry() == before
    now = client.get(f"/api/v1/history-imports/{first['id']}", headers=gl(CITY)).json
    assert now["status"] == "validated" and now["error_count"] == 3
    assert {(e["row"], e["key"]) for e in now["errors"]} == {
        (4, "credit_code"), (4, "license_number"), (4, "filing_number")}


def test_a_batch_is_imported_once(client, gl, batch):
    assert client.post(f"/api/v1/history-imports/{batch['id']}/commit",
                       headers=gl(CITY)).status_code == 200
    again = client.post(f"/api/v1/history-imports/{batch['id']}/commit", headers=gl(CITY))
    assert again.status_code == 409


def test_the_stored_upload_is_named_by_batch_in_the_uploads_folder(app, batch):
    from portal_plugin.history.service import stored_file

    with app.app_context():
        path = stored_file(batch["id"])
        assert path.name == f"{batch['id']}.xlsx" and path.parent.parent.name == "uploads"
        assert path.read_bytes()[:2] == b"PK"
        assert db.session.scalar(select(ImportBatch.rows).where(ImportBatch.id == batch["id"])) == 20
