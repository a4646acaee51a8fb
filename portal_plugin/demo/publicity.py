"""Demo 双公示: the demo's decisions are queued by the engine; one published batch beside them."""

from __future__ import annotations

from sqlalchemy import select

from portal_plugin.core import clock
from portal_plugin.core.extensions import db
from portal_plugin.demo.base import who
from portal_plugin.publicity import service as publicity
from workflows.publicity import PublicityItem


def load() -> int:
    """Publish the two latest-due pending decisions as one batch (the city's 业务管理岗); the
    rest stay in the queue, the 依法终止 revocation of a month ago among them overdue."""
    today = clock.today()
    latest = list(db.session.scalars(
        select(PublicityItem.id).where(PublicityItem.status == "pending",
                                       PublicityItem.due_date >= today)
        .order_by(PublicityItem.due_date.desc(), PublicityItem.id.desc()).limit(2)))
    if not latest:
        return 0
    publicity.publish(who("HRM_GL", "120000"), latest)
    return 1
