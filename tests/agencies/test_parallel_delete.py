"""Deleting twice deletes once, raced: 20 parallel DELETEs of one agency on PostgreSQL give
one 204, nineteen 404 and one audit event."""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency, AuditEvent
from tests.kit import People
from tests.workflows.test_concurrency import app, race, server  # noqa: F401 (fixtures)


def test_twenty_parallel_deletes(app: Flask, people: People,  # noqa: F811
                                 add: Callable[..., dict[str, Any]], server: str) -> None:  # noqa: F811
    made = add(1)
    calls = [("delete", f"{server}/agencies/{made['id']}", people.officer("HRM_GL"), {})] * 20
    tally = Tally(r.status_code for r in race(calls))
    assert tally == {204: 1, 404: 19}, tally
    with app.app_context():
        assert db.session.get(Agency, made["id"]) is None
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "delete", AuditEvent.object_id == str(made["id"]))) == 1
