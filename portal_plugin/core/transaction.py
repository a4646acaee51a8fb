"""The one transaction boundary: a service call commits all its writes or none of them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from portal_plugin.core.extensions import db

_DEPTH = "hrm_atomic_depth"


@contextmanager
def atomic() -> Iterator[None]:
    """Commit when the outermost block ends, roll everything back on any error.

    Nested blocks (a service calling another) join the outer transaction, as Django's
    `atomic` does, so a change and its audit event can never be committed apart.
    """
    info = db.session.info
    depth = info.get(_DEPTH, 0)
    info[_DEPTH] = depth + 1
    try:
        yield
        if depth == 0:
            db.session.commit()
    except BaseException:
        if depth == 0:
            db.session.rollback()
        raise
    finally:
        info[_DEPTH] = depth

