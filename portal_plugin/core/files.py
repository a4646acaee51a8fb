"""Uploaded files kept in the database, so any request on any host can read them.

A file is named by a path-like key (`history/12.xlsx`, later `materials/<case>/<id>`) chosen by
the feature that owns it. Writes join the caller's transaction (the file appears with the rows
that refer to it, or not at all); the SHA-256 kept beside the bytes is checked on every read.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import delete, select

from portal_plugin.core.extensions import db
from portal_plugin.core.models import StoredFile

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What an uploaded document may be, told by its first bytes (never by its name or the
# browser's claim): PDF, JPEG, PNG.
SIGNATURES = ((b"%PDF-", "application/pdf"), (b"\xff\xd8\xff", "image/jpeg"),
              (b"\x89PNG\r\n\x1a\n", "image/png"))
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


class FileMissing(LookupError):
    """No file is stored under this key."""


class FileCorrupt(RuntimeError):
    """The stored bytes no longer match their SHA-256."""


def sniff(data: bytes) -> str | None:
    """The content type of a PDF, JPEG or PNG file from its signature; None for anything else."""
    return next((kind for magic, kind in SIGNATURES if data.startswith(magic)), None)


def put(key: str, data: bytes, *, name: str = "", content_type: str = "application/octet-stream",
        created_by: str | None = None) -> StoredFile:
    """Store (or replace) the file under `key` in the current transaction."""
    stored = db.session.get(StoredFile, key)
    if stored is None:
        stored = StoredFile(key=key)
        db.session.add(stored)
    stored.name = (name or key.rsplit("/", 1)[-1])[-255:]
    stored.content_type = content_type
    stored.data = data
    stored.size = len(data)
    stored.sha256 = hashlib.sha256(data).hexdigest()
    stored.created_by = created_by
    db.session.flush()
    return stored


def read(key: str) -> bytes:
    """The file's bytes; FileMissing when absent, FileCorrupt when they fail their checksum."""
    row = db.session.execute(
        select(StoredFile.data, StoredFile.sha256).where(StoredFile.key == key)).first()
    if row is None:
        raise FileMissing(key)
    data = bytes(row.data)
    if hashlib.sha256(data).hexdigest() != row.sha256:
        raise FileCorrupt(key)
    return data


def exists(key: str) -> bool:
    return db.session.scalar(select(StoredFile.key).where(StoredFile.key == key)) is not None


def remove(*keys: str) -> int:
    """Delete the files under these keys (in the current transaction); how many there were."""
    if not keys:
        return 0
    result = db.session.execute(delete(StoredFile).where(StoredFile.key.in_(keys)))
    return int(result.rowcount or 0)
