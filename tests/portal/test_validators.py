"""Check digits of 统一社会信用代码 and 居民身份证号码."""

from __future__ import annotations

import pytest

from portal_plugin.core.check_digits import credit_code_check_char, credit_code_problem, id_number_problem


def test_known_valid_credit_code_passes():
    assert credit_code_problem("91110116MA003JK61B") is None


@pytest.mark.parametrize("code, problem", [
    ("91110116MA003JK61C", "校验位"),
    ("91110116MA003JK61", "18位"),
    ("91110116MA003JK6IB", "18位"),  # I is not in the charset
    ("91110116ma003jk61b", "18位"),
    ("", "18位"),
])
def test_invalid_credit_codes_are_named(code, problem):
    assert problem in credit_code_problem(code)


def test_check_char_completes_a_code():
    assert credit_code_check_char("91110116MA003JK61") == "B"


def test_known_valid_id_number_passes():
    assert id_number_problem("11010519491231002X") is None


@pytest.mark.parametrize("number, problem", [
    ("110105194912310021", "校验位"),
    ("11010519491331002X", "出生日期"),
    ("11010519490230002X", "出生日期"),
    ("1101051949123100", "18位"),
    ("11010519491231002x", "18位"),
])
def test_invalid_id_numbers_are_named(number, problem):
    assert problem in id_number_problem(number)
