"""A branch's licence and filing follow its parent's: linked at grant, ended with them."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from portal_plugin.core.clock import today
from portal_plugin.core.errors import Conflict
from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency, AuditEvent, Filing, License
from tests.kit import CITY, CLERK_CODE, HP, HX, agency_body, credit_code
from workflows import common

BRANCH_CODE = credit_code(7777, HX)


@pytest.fixture
def family(app, api, registered) -> dict[str, Any]:
    """The default clerk's agency (licence and filing) and its approved 河西区 branch."""
    registered()
    case = api.bring("branch", {"branch": agency_body(BRANCH_CODE, HX, name="河西分公司")},
                     "approved", division=HX)
    with app.app_context():
        parent = db.session.scalar(select(Agency).where(Agency.credit_code == CLERK_CODE))
        return {"case": case, "parent": parent.id,
                "parent_license": common.valid_license(parent.id).id,
                "parent_filing": common.valid_filing(parent.id).id,
                "branch": case["result"]["agency_id"],
                "branch_license": case["result"]["license_id"],
                "branch_filing": case["result"]["filing_id"]}


def test_the_branch_records_are_linked_to_the_parents(app, family):
    with app.app_context():
        branch_license = db.session.get(License, family["branch_license"])
        parent_license = db.session.get(License, family["parent_license"])
        assert branch_license.parent_license_id == parent_license.id
        assert branch_license.valid_until == parent_license.valid_until
        assert db.session.get(Filing, family["branch_filing"]).parent_filing_id == \
            family["parent_filing"]


def test_deregistering_the_parent_ends_the_branch_in_the_same_case(app, api, client, people,
                                                                   family):
    targets = [{"kind": "license", "id": family["parent_license"]},
               {"kind": "filing", "id": family["parent_filing"]}]
    api.bring("deregistration", {"targets": targets, "ground": "D01"}, "approved")
    with app.app_context():
        branch_license = db.session.get(License, family["branch_license"])
        assert (branch_license.status, branch_license.status_reason) == (
            "deregistered", "随总机构许可证注销终止")
        branch_filing = db.session.get(Filing, family["branch_filing"])
        assert (branch_filing.status, branch_filing.status_reason) == (
            "deregistered", "随总机构业务备案注销终止")
        assert db.session.get(Agency, family["branch"]).status == "deregistered"
        events = {(e.object_type, e.object_id, e.action) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.to_state == "deregistered"))}
        assert {("license", str(family["parent_license"]), "deregister"),
                ("filing", str(family["parent_filing"]), "deregister"),
                ("license", str(family["branch_license"]), "end_with_parent"),
                ("filing", str(family["branch_filing"]), "end_with_parent"),
                ("agency", str(family["branch"]), "deregister")} <= events
    branch_view = client.get(f"/api/v1/licenses/{family['branch_license']}",
                             headers=people.officer("HRM_CX", HX)).json
    assert branch_view["status"] == "deregistered"
    assert branch_view["parent_license_id"] == family["parent_license"]


@pytest.mark.parametrize(("ground", "status", "word"), [
    ("R03", "revoked", "撤销"), ("R04", "cancelled", "吊销"), ("R02", "deregistered", "注销")])
def test_a_revocation_of_the_parent_licence_ends_the_branch_licence(app, client, people,
                                                                    family, ground, status,
                                                                    word):
    response = client.post("/api/v1/revocations", json={
        "license_id": family["parent_license"], "ground": ground,
        "decision_date": today().isoformat(), "remarks": "测试"},
        headers=people.officer("HRM_GL", CITY))
    assert response.status_code == 201, response.json
    with app.app_context():
        branch_license = db.session.get(License, family["branch_license"])
        assert (branch_license.status, branch_license.status_reason) == (
            status, f"随总机构许可证{word}终止")
        assert branch_license.status_document_no == response.json["document_number"]
        # The branch keeps its filing, so it stays registered.
        assert db.session.get(Filing, family["branch_filing"]).status == "valid"
        assert db.session.get(Agency, family["branch"]).status == "valid"
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "end_with_parent"))
        assert (event.object_id, event.actor_roles, event.data["parent"]) == (
            str(family["branch_license"]), ["HRM_GL"], family["parent_license"])


def test_the_parent_and_the_branch_end_together_or_not_at_all(app, client, people, family,
                                                              monkeypatch):
    def failing(*args: Any, **kwargs: Any) -> bool:
        raise Conflict("模拟失败")

    monkeypatch.setattr(common, "close_agency_if_empty", failing)
    response = client.post("/api/v1/revocations", json={
        "license_id": family["parent_license"], "ground": "R03",
        "decision_date": today().isoformat(), "remarks": "测试"},
        headers=people.officer("HRM_GL", CITY))
    assert response.status_code == 409
    with app.app_context():
        assert db.session.get(License, family["parent_license"]).status == "valid"
        assert db.session.get(License, family["branch_license"]).status == "valid"
        assert db.session.scalar(select(AuditEvent.id).where(
            AuditEvent.action.in_(("revoke", "end_with_parent")))) is None


def test_an_ending_without_an_actor_is_the_systems(app, family):
    """The daily expiry command ends records without a signed-in user (it calls end_record)."""
    with app.app_context():
        parent = db.session.get(License, family["parent_license"])
        common.end_record(parent, "expired", "有效期届满", today(), None)
        db.session.commit()
        branch = db.session.get(License, family["branch_license"])
        assert (branch.status, branch.status_reason) == ("expired", "随总机构许可证过期终止")
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "end_with_parent"))
        assert event.actor_id == "system"


def test_the_migration_links_existing_branch_records(app):
    """Migration 0016's backfill, run again on rows made without links."""
    from sqlalchemy import text

    from tests.kit import add_agency, add_filing, add_license

    with app.app_context():
        parent = add_agency(credit_code(5101, HP), HP, "总公司")
        parent_license = add_license(parent, "津人服证字〔2020〕5101号")
        parent_filing = add_filing(parent, "津人服备字〔2020〕5101号")
        branch = add_agency(credit_code(5102, HX), HX, "分公司", parent_id=parent.id)
        branch_license = add_license(branch, "津人服证字〔2020〕5102号")
        branch_filing = add_filing(branch, "津人服备字〔2020〕5102号")
        db.session.commit()
        migration = _migration()
        for table, column in migration.LINKS:
            db.session.execute(text(migration.backfill(table, column)))
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(License, branch_license.id).parent_license_id == parent_license.id
        assert db.session.get(Filing, branch_filing.id).parent_filing_id == parent_filing.id
        assert db.session.get(License, parent_license.id).parent_license_id is None


def _migration() -> Any:
    import importlib.util
    import pathlib

    path = (pathlib.Path(__file__).parents[2] / "migrations" / "versions"
            / "0016_certificate_versions.py")
    spec = importlib.util.spec_from_file_location("_hrm_migration_0016", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
