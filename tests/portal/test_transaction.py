"""The one transaction boundary: nested service calls commit once, any error rolls back all."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from sqlalchemy import event, func, select

from portal_plugin.core.extensions import db
from portal_plugin.core.models import CodeItem
from portal_plugin.core.transaction import atomic

# A kind of code of this run only (the PostgreSQL database is shared by the session's tests).
KIND = f"t{uuid.uuid4().hex[:8]}"


def _codes() -> int:
    return db.session.scalar(select(func.count()).select_from(CodeItem).where(CodeItem.kind == KIND))


def _add(code: str) -> None:
    db.session.add(CodeItem(kind=KIND, code=code, label=code, sort_order=0, active=True))
    db.session.flush()


def test_nested_blocks_commit_once_at_the_outermost(app: Flask) -> None:
    commits = []
    with app.app_context():
        event.listen(db.session(), "after_commit", lambda s: commits.append(1))

        def inner() -> None:  # a service with its own block, called by another
            with atomic():
                _add("b")

        with atomic():
            _add("a")
            inner()
            assert commits == []
        assert commits == [1]
        db.session.expire_all()
        assert _codes() == 2
        db.session.execute(db.delete(CodeItem).where(CodeItem.kind == KIND))
        db.session.commit()


def test_an_error_in_a_nested_block_rolls_back_the_whole_transaction(app: Flask) -> None:
    with app.app_context():

        def failing() -> None:
            with atomic():
                _add("y")
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError), atomic():
            _add("x")
            failing()
        assert _codes() == 0
        # The boundary is usable again after a failure.
        with atomic():
            _add("z")
        assert _codes() == 1
        db.session.execute(db.delete(CodeItem).where(CodeItem.kind == KIND))
        db.session.commit()
