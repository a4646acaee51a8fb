"""Demo 注销单位行政许可 records."""


from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import aliased

from portal_plugin.core import clock
from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency, Filing, License
from portal_plugin.demo.base import who
from portal_plugin.revocations import service as revocations
from workflows.engine import OPEN_STATUSES
from workflows.models import Case


def load() -> None:
    """Two 注销单位行政许可 by the city's 业务管理岗: 被吊销 for an applicant that keeps its filing,
    and 依法终止 for an entered agency's only licence, which deregisters the agency too."""
    officer = who("HRM_GL", "120000")
    today = clock.today()
    filing = aliased(Filing)
    keeps_filing = db.session.scalar(
        select(License.id).join(Agency, License.agency_id == Agency.id).where(
            License.status == "valid", Agency.source == "application",
            select(filing.id).where(filing.agency_id == Agency.id,
                                    filing.status == "valid").exists(),
            ~select(Case.id).where(Case.credit_code == Agency.credit_code,
                                   Case.status.in_(OPEN_STATUSES)).exists())
        .order_by(License.id.desc()).limit(1))
    only_licence = db.session.scalar(
        select(License.id).join(Agency, License.agency_id == Agency.id).where(
            License.status == "valid", Agency.source == "entry",
            ~select(Filing.id).where(Filing.agency_id == Agency.id).exists())
        .order_by(License.id).limit(1))
    for license_id, ground, day, remarks in (
            (keeps_filing, "R04", today, "违法从事职业中介活动，依法吊销许可证"),
            (only_licence, "R02", today - dt.timedelta(days=30), "机构已办理工商注销登记")):
        if license_id is not None:
            revocations.revoke(officer, {"license_id": license_id, "ground": ground,
                                         "decision_date": day.isoformat(), "remarks": remarks})
