"""Document numbers never repeat across the city: every default format carries the issuing
division's part, and issued_numbers refuses a number issued twice at the database."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal_plugin.core.errors import Conflict
from portal_plugin.core.extensions import db
from portal_plugin.core.models import License
from tests.kit import CITY, CLERK_CODE, HP, HX, OTHER_CODE, add_agency, add_license
from workflows import numbering
from workflows.models import IssuedNumber

YEAR = dt.date.today().year


def test_two_districts_on_one_day_issue_different_numbers(app: Flask, api, people,
                                                         registered) -> None:
    hp = registered(CLERK_CODE, HP, filing=False)["licensing"]
    hx = registered(OTHER_CODE, HX, filing=False)["licensing"]
    assert hp["decision_number"] == f"津人社许准字〔{YEAR}〕0101-1号"
    assert hx["decision_number"] == f"津人社许准字〔{YEAR}〕0103-1号"
    dereg = {}
    for code, division in ((CLERK_CODE, HP), (OTHER_CODE, HX)):
        licence = api.client.get(f"/api/v1/licenses?q={code}",
                                 headers=people.officer("HRM_SL", CITY)).json["items"][0]
        dereg[division] = api.bring("deregistration", {
            "targets": [{"kind": "license", "id": licence["id"]}], "ground": "D01"},
            "approved", clerk=code, division=division)["document_number"]
    assert dereg == {HP: f"津人社许注字〔{YEAR}〕0101-1号", HX: f"津人社许注字〔{YEAR}〕0103-1号"}
    with app.app_context():
        kinds = dict(db.session.execute(select(IssuedNumber.number, IssuedNumber.kind)).all())
    for number in (hp["decision_number"], hx["decision_number"], *dereg.values(),
                   hp["license_number"], hx["license_number"]):
        assert number in kinds
    assert kinds[dereg[HP]] == "deregistration"


def test_the_database_refuses_a_duplicate_issued_number(app: Flask) -> None:
    with app.app_context():
        db.session.add(IssuedNumber(number="津人社许准字〔2026〕0101-7号", kind="decision"))
        db.session.commit()
        db.session.add(IssuedNumber(number="津人社许准字〔2026〕0101-7号", kind="deregistration"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        agency = add_agency(CLERK_CODE, HP, "津和人力资源服务有限公司")
        add_license(agency, "（津）人服证字〔2026〕第01010001号",
                    decision_number="津人社许准字〔2026〕0101-1号")
        db.session.commit()
        for number, decision in (("（津）人服证字〔2026〕第01010001号", None),
                                 ("（津）人服证字〔2026〕第01010002号", "津人社许准字〔2026〕0101-1号")):
            db.session.add(License(agency_id=agency.id, license_number=number,
                                   decision_number=decision, items=["L01"],
                                   issued_on=dt.date(2026, 1, 5)))
            with pytest.raises(IntegrityError):
                db.session.commit()
            db.session.rollback()


def test_a_number_issued_before_is_never_issued_again(make_app) -> None:
    """A format without the division part (misconfigured), or a 文号 entered by hand: the series
    goes on after the taken number; registering a taken number by hand is a Conflict."""
    app = make_app(NUMBER_FORMATS={"decision": "津人社许准字〔{year}〕{seq}号"})
    with app.app_context():
        day = dt.date(2026, 5, 6)
        assert numbering.issue("decision", HP, day) == "津人社许准字〔2026〕1号"
        assert numbering.issue("decision", HX, day) == "津人社许准字〔2026〕2号"
        numbering.register("津人社许准字〔2026〕3号", "decision", HP)
        assert numbering.issue("decision", HP, day) == "津人社许准字〔2026〕4号"
        with pytest.raises(Conflict, match="已经使用过"):
            numbering.register("津人社许准字〔2026〕1号", "revocation", HX)
        db.session.rollback()
