"""The demo holds a reissued certificate, a branch with its linked licence, a 待补安全许可 fair and
a pending 补发 request; loading it twice adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from portal_plugin.core.extensions import db
from portal_plugin.core.models import License
from portal_plugin.job_fairs.models import JobFair
from workflows.models import LicenseVersion, ReissueRequest


def test_demo_data_shows_versions_branches_and_pending_permits(app, runner, client,
                                                               auth_header):
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(License).where(
            License.certificate_version >= 2))
        assert db.session.scalar(select(func.count()).select_from(LicenseVersion).where(
            LicenseVersion.kind == "change"))
        assert db.session.scalar(select(func.count()).select_from(License).where(
            License.parent_license_id.is_not(None)))
        assert db.session.scalar(select(func.count()).select_from(ReissueRequest).where(
            ReissueRequest.status == "pending")) == 1
        fairs = db.session.scalar(select(func.count()).select_from(JobFair))
    pending = client.get("/api/v1/job-fairs?permit_pending=true",
                         headers=auth_header("HRM_CX", "120000")).json
    assert pending["total"] >= 1 and all(f["permit_pending"] for f in pending["items"])
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(JobFair)) == fairs
