"""The issuing authority per division is data: loaded with the divisions (full names with the
city), editable (`flask authority`), and printed on the licences it issues."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from portal_plugin.core.check_digits import credit_code_check_char
from portal_plugin.core.extensions import db
from portal_plugin.core.models import Division, License
from tests.kit import CITY, HP, HX, agency_body, credit_code
from workflows import common


def test_the_divisions_carry_their_authority(app) -> None:
    with app.app_context():
        assert db.session.get(Division, HP).authority_name == "天津市和平区人力资源和社会保障局"
        assert db.session.get(Division, CITY).authority_name == "天津市人力资源和社会保障局"
        assert common.authority(HX) == ("天津市河西区人力资源和社会保障局", None)


@pytest.fixture
def restored(app) -> Iterator[None]:
    """The divisions are reference data kept across tests: put 和平区's authority back."""
    yield
    with app.app_context():
        row = db.session.get(Division, HP)
        row.authority_name, row.authority_credit_code = "天津市和平区人力资源和社会保障局", None
        db.session.commit()


def test_an_edited_authority_is_printed_on_the_next_licence(app, api, runner,
                                                            restored) -> None:
    code = "11120101MB1234567" + credit_code_check_char("11120101MB1234567")
    bad = runner.invoke(args=["authority", HP, "--credit-code", "123"])
    assert bad.exit_code != 0 and "统一社会信用代码" in bad.output
    done = runner.invoke(args=["authority", HP, "--name", "天津市和平区人力资源和社会保障局（行政审批）",
                               "--credit-code", code])
    assert done.exit_code == 0, done.output
    applicant = credit_code(4242)
    case = api.bring("licensing", {"agency": agency_body(applicant), "license_items": ["L01"]},
                     "approved", clerk=applicant)
    with app.app_context():
        licence = db.session.get(License, case["result"]["license_id"])
        assert licence.issuing_authority == "天津市和平区人力资源和社会保障局（行政审批）"
        assert common.authority(HP) == ("天津市和平区人力资源和社会保障局（行政审批）", code)
    # Reloading the divisions keeps the edit (the file names no authority of its own).
    reseeded = runner.invoke(args=["seed"])
    assert reseeded.exit_code == 0, reseeded.output
    with app.app_context():
        assert db.session.get(Division, HP).authority_credit_code == code
