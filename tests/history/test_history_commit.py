"""Confirming an import: all rows in one transaction, checked again against today's registry."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from portal_plugin.core.extensions import db
from portal_plugin.history import checks
from portal_plugin.history.models import ImportBatch
from tests.history.conftest import fill, row
from tests.kit import CITY


def checked(template, upload, count: int) -> dict:
    """A checked batch of `count` rows, ready to import."""
    response = upload(fill(template, [row(n) for n in range(1, count + 1)]))
    assert response.status_code == 201 and response.json["error_count"] == 0
    return response.json


@pytest.fixture
def batch(template, upload) -> dict:
    return checked(template, upload, 20)


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> int:
    """Registry checks and inserts every 10 rows, so a small file spans several chunks."""
    monkeypatch.setattr(checks, "CHUNK", 10)
    return 10


def test_a_database_failure_during_commit_leaves_no_record_of_the_batch(app, client, gl,
                                                                        template, upload,
                                                                        registry, small_chunks):
    batch = checked(template, upload, small_chunks * 2 + 5)  # three insert chunks
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
    assert retried.status_code == 200 and retried.json["imported"] == small_chunks * 2 + 5
    assert len(registry()["agencies"] - before["agencies"]) == small_chunks * 2 + 5


def test_a_file_of_whole_chunks_imports_every_row_once(client, gl, template, upload, registry,
                                                       small_chunks):
    batch = checked(template, upload, small_chunks * 2)
    before = registry()
    response = client.post(f"/api/v1/history-imports/{batch['id']}/commit", headers=gl(CITY))
    assert response.status_code == 200 and response.json["imported"] == small_chunks * 2
    assert len(registry()["agencies"] - before["agencies"]) == small_chunks * 2


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


def test_the_stored_upload_is_kept_in_the_database_by_batch(app, batch, tmp_path):
    from portal_plugin.core import files
    from portal_plugin.history.service import kept_rows_key, upload_key

    with app.app_context():
        assert upload_key(batch["id"]) == f"history/{batch['id']}.xlsx"
        assert files.read(upload_key(batch["id"]))[:2] == b"PK"
        assert files.read(kept_rows_key(batch["id"]))[:2] == b"\x1f\x8b"  # gzip
        assert not (tmp_path / "instance" / "uploads").exists(), "nothing on this host's disk"
        assert db.session.scalar(select(ImportBatch.rows).where(ImportBatch.id == batch["id"])) == 20


def test_a_duplicate_of_a_row_in_an_earlier_chunk_uncounts_that_row(template, upload,
                                                                     small_chunks):
    rows = [row(n) for n in range(1, 25)] + [row(99, credit_code=row(1)["credit_code"])]
    batch = upload(fill(template, rows)).json
    assert [(e["row"], e["key"], e["message"]) for e in batch["errors"]] == [
        (2, "credit_code", "与第26行的统一社会信用代码重复"),
        (26, "credit_code", "与第2行的统一社会信用代码重复")]
    assert batch["valid_rows"] == 23
    assert batch["counts"] == {"agencies": 23, "licenses": 23, "filings": 23}
