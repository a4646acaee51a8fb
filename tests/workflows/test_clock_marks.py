"""The 办理时限 marks of list rows and case pages (workflows.pages.clock_mark, deadline_mark):
the words and classes the pages show, every text value escaped."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from workflows.pages import clock_mark, deadline_mark


def row(**values: Any) -> dict[str, Any]:
    return {"days_left": 3, "deadline_flag": None, "deadline": "2026-12-08", "clock": "decision",
            "deemed_accepted": False, "extended": False, **values}


def test_the_deadline_mark_counts_working_days_and_flags_them() -> None:
    assert deadline_mark(row(days_left=None)) == '<span class="muted">—</span>'
    assert deadline_mark(row()) == '<span title="截止 2026-12-08">剩余3个工作日</span>'
    assert deadline_mark(row(days_left=1, deadline_flag="yellow")) == (
        '<span class="mark yellow" title="截止 2026-12-08">剩余1个工作日</span>')
    assert deadline_mark(row(days_left=-4, deadline_flag="red")) == (
        '<span class="mark red" title="截止 2026-12-08">已超期4个工作日</span>')


def test_the_clock_mark_names_the_clock_and_tags_it() -> None:
    assert clock_mark(row()) == ('<span class="muted">审批期限</span> '
                                 '<span title="截止 2026-12-08">剩余3个工作日</span>')
    tagged = clock_mark(row(clock="accept", deemed_accepted=True, extended=True))
    assert tagged.startswith('<span class="muted">受理期限</span> ')
    assert tagged.endswith(' <span class="mark tag">视为受理</span> <span class="mark tag">已延期</span>')
    issuing = clock_mark(row(clock="issue"))
    assert issuing.endswith(' <span class="mark tag">待登记发证</span>')
    assert clock_mark(row(clock=None, days_left=None)) == '<span class="muted">—</span>'
    assert isinstance(tagged, Markup)  # Jinja puts it in unescaped


def test_every_text_value_is_escaped() -> None:
    hostile = row(deadline='"><script>alert(1)</script>', deadline_flag="red", days_left=-1)
    for mark in (deadline_mark(hostile), clock_mark(hostile)):
        assert "<script>" not in mark and "&#34;&gt;&lt;script&gt;" in mark
