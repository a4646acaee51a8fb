"""The stored-file module: files in the database, whole or absent, checked on every read."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from portal_plugin.core import files
from portal_plugin.core.extensions import db
from portal_plugin.core.models import StoredFile


def test_a_file_is_stored_read_replaced_and_removed(app_context):
    stored = files.put("test/a.bin", b"\x00\x01data", name="甲.bin", created_by="u-1")
    db.session.commit()
    assert (stored.size, stored.name, stored.created_by) == (6, "甲.bin", "u-1")
    assert files.read("test/a.bin") == b"\x00\x01data" and files.exists("test/a.bin")
    files.put("test/a.bin", b"new")
    db.session.commit()
    assert files.read("test/a.bin") == b"new"
    assert files.remove("test/a.bin", "test/none") == 1
    db.session.commit()
    assert not files.exists("test/a.bin")
    with pytest.raises(files.FileMissing):
        files.read("test/a.bin")


def test_a_file_joins_the_callers_transaction(app_context):
    files.put("test/rolled-back.bin", b"x")
    db.session.rollback()
    assert not files.exists("test/rolled-back.bin")


def test_bytes_that_no_longer_match_their_checksum_are_refused(app_context):
    files.put("test/b.bin", b"original")
    db.session.commit()
    db.session.execute(update(StoredFile).where(StoredFile.key == "test/b.bin")
                       .values(data=b"tampered"))
    db.session.commit()
    with pytest.raises(files.FileCorrupt):
        files.read("test/b.bin")


def test_a_large_file_round_trips(app_context):
    data = bytes(range(256)) * 40_000  # 10 MB
    files.put("test/large.bin", data)
    db.session.commit()
    assert files.read("test/large.bin") == data
