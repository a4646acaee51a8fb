"""The one parser of each kind of value (core.validation), as every form, API and query uses it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from portal_plugin.core import validation
from portal_plugin.core.errors import Invalid
from portal_plugin.core.validation import Amount, Checker, Count, Day


@pytest.mark.parametrize(("value", "number"), [
    (7, 7), ("7", 7), (" 42 ", 42), ("-3", -3), ("0012", 12),
    (True, None), (2.0, None), ("2.5", None), ("+3", None), ("1_000", None), ("٣", None),
    ("", None), (None, None), ("1" * 5000, None),
])
def test_whole_number_takes_ascii_digits_only(value, number):
    assert validation.whole_number(value) == number


@pytest.mark.parametrize(("text", "day"), [
    ("2026-02-28", dt.date(2026, 2, 28)), (" 2026-02-28 ", dt.date(2026, 2, 28)),
    ("2026-02-30", None), ("20260228", None), ("2026/02/28", None), ("2026-2-28", None),
    ("2026-W09-6", None), ("", None),
])
def test_iso_date_is_exactly_yyyy_mm_dd(text, day):
    assert validation.iso_date(text) == day


def test_registry_dates_run_from_the_founding_to_today():
    today = dt.date(2026, 6, 1)
    assert validation.date_problem(dt.date(1949, 10, 1), "成立日期", today) is None
    assert validation.date_problem(dt.date(1949, 9, 30), "成立日期", today) == \
        "成立日期不能早于1949-10-01"
    assert validation.date_problem(dt.date(2026, 6, 2), "发证日期", today) == "发证日期不能晚于今天"
    assert validation.date_problem(dt.date(2030, 1, 1), "有效期至", today, future=True) is None


@pytest.mark.parametrize(("value", "result", "problem"), [
    ("200.50", Decimal("200.50"), None), (12, Decimal("12.00"), None),
    ("1.230", Decimal("1.23"), None), (0, Decimal("0.00"), None),
    ("-1", None, "不能为负数"), ("1.234", None, "最多保留两位小数"),
    ("abc", None, "应为数字，如 1234.50"), ("NaN", None, "应为数字，如 1234.50"),
    ([1], None, "应为数字，如 1234.50"), ("1e20", None, "金额过大"), ("  ", None, "必填"),
])
def test_amounts_are_checked_one_way(value, result, problem):
    check = Checker()
    assert check.value(Amount(), {"x": value}, "x") == result
    assert check.errors.get("x") == problem


def test_an_optional_amount_or_count_may_be_left_blank():
    check = Checker()
    assert check.value(Amount(), {}, "x", required=False) is None
    assert check.value(Count(), {"y": " "}, "y", required=False) is None
    assert check.errors == {}


def test_a_date_field_takes_text_or_a_date_read_already():
    check = Checker()
    assert check.value(Day, {"d": "2020-01-02"}, "d") == dt.date(2020, 1, 2)
    assert check.value(Day, {"d": dt.date(2020, 1, 2)}, "d") == dt.date(2020, 1, 2)
    assert check.value(Day, {"d": "2020/01/02"}, "d") is None
    assert check.errors == {"d": "日期格式应为 YYYY-MM-DD"}


def test_the_reason_is_checked_one_way():
    assert validation.reason("  补充材料 ", required=True) == "补充材料"
    assert validation.reason("  ", required=False) is None
    for value, required, message in (("", True, "请填写原因"), ("a" * 1001, False, "不能超过1000个字"),
                                     ("a\x00b", False, "包含不允许的控制字符"), (5, False, "应为文本")):
        with pytest.raises(Invalid) as caught:
            validation.reason(value, required=required)
        assert caught.value.fields == {"reason": message}
    with pytest.raises(Invalid) as caught:
        validation.reason(None, required=True, missing="请填写退回原因")
    assert caught.value.fields == {"reason": "请填写退回原因"}
