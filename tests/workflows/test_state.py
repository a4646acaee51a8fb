"""The guarded state change (workflows.state): one conditional UPDATE on id, status and version,
Conflict when another actor got there first, NotFound outside the caller's scope."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from portal_plugin.core import validation
from portal_plugin.core.errors import STALE, Conflict, Invalid, NotFound
from portal_plugin.core.extensions import db
from tests.kit import HP, HX, agency_body, credit_code
from workflows import state
from workflows.models import Case

SOURCES = frozenset({"submitted", "returned"})


@pytest.fixture
def case_id(app: Flask) -> int:
    """A submitted licensing case at version 3, straight into the table."""
    with app.app_context():
        code = credit_code(4242)
        case = Case(workflow="licensing", status="submitted", version=3, credit_code=code,
                    agency_name="守卫人力资源公司", division_code=HP, created_by="test",
                    payload={"agency": agency_body(code), "license_items": ["L01"]})
        db.session.add(case)
        db.session.commit()
        return case.id


def row(case_id: int) -> tuple[str, int, str | None]:
    case = db.session.scalar(select(Case).where(Case.id == case_id))
    assert case is not None
    db.session.refresh(case)
    return case.status, case.version, case.reason


def test_a_matching_row_moves_to_the_target_with_its_values_and_the_next_version(
        app: Flask, case_id: int) -> None:
    with app.app_context():
        state.change(Case, case_id, SOURCES, "pending_review", 3, reason="已核对")
        db.session.commit()
        assert row(case_id) == ("pending_review", 4, "已核对")


def test_no_target_keeps_the_status_and_still_bumps_the_version(app: Flask,
                                                                case_id: int) -> None:
    with app.app_context():
        state.change(Case, case_id, SOURCES, None, 3, reason="改了")
        db.session.commit()
        assert row(case_id) == ("submitted", 4, "改了")


@pytest.mark.parametrize("version", [2, 4, 0, -1, 2**31, 10**30])
def test_another_version_is_stale_and_changes_nothing(app: Flask, case_id: int,
                                                      version: int) -> None:
    with app.app_context():
        with pytest.raises(Conflict) as caught:
            state.change(Case, case_id, SOURCES, "pending_review", version)
        assert caught.value.message == STALE
        db.session.rollback()
        assert row(case_id) == ("submitted", 3, None)


def test_a_state_the_action_does_not_start_from_is_stale(app: Flask, case_id: int) -> None:
    with app.app_context():
        with pytest.raises(Conflict):
            state.change(Case, case_id, {"pending_review"}, "approved", 3)
        db.session.rollback()
        assert row(case_id) == ("submitted", 3, None)


def test_of_two_actors_with_the_same_version_only_the_first_changes_the_row(
        app: Flask, case_id: int) -> None:
    with app.app_context():
        state.change(Case, case_id, SOURCES, "pending_review", 3)
        with pytest.raises(Conflict):
            state.change(Case, case_id, SOURCES, "returned", 3)
        db.session.commit()
        assert row(case_id)[:2] == ("pending_review", 4)


def test_an_absent_row_or_one_outside_the_scope_is_not_found(app: Flask, case_id: int) -> None:
    with app.app_context():
        with pytest.raises(NotFound):
            state.change(Case, case_id + 1000, SOURCES, "pending_review", 3)
        with pytest.raises(NotFound):
            state.change(Case, case_id, SOURCES, "pending_review", 3,
                         where=(Case.division_code == HX,))
        db.session.rollback()
        assert row(case_id) == ("submitted", 3, None)


def test_check_refuses_what_the_loaded_row_cannot_take() -> None:
    label = {"submitted": "待受理"}.__getitem__
    state.check("submitted", 3, SOURCES, None, label)
    state.check("submitted", 3, SOURCES, 3, label)
    with pytest.raises(Conflict) as stale:
        state.check("submitted", 3, SOURCES, 2, label)
    assert stale.value.message == STALE
    with pytest.raises(Conflict) as wrong:
        state.check("submitted", 3, {"pending_review"}, 3, label)
    assert wrong.value.message == f"{STALE}（当前状态：待受理）"


def test_reason_is_trimmed_required_when_asked_and_bounded() -> None:
    assert validation.reason("  材料不齐  ", required=True) == "材料不齐"
    assert validation.reason("   ", required=False) is None
    with pytest.raises(Invalid) as missing:
        validation.reason(" ", required=True, missing="请填写退回原因")
    assert missing.value.fields == {"reason": "请填写退回原因"}
    with pytest.raises(Invalid):
        validation.reason("长" * (validation.MAX_REASON + 1), required=False)
