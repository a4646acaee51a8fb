"""What each case type owns: its templates, its menu place and steps, its form mapping."""

from __future__ import annotations

from flask import Flask
from werkzeug.datastructures import MultiDict

from workflows import forms
from workflows.engine import CASE_TYPES
from workflows.pages import STEPS


def test_every_case_type_has_its_templates(app: Flask) -> None:
    for wf in CASE_TYPES.values():
        for name in (wf.form_template, wf.application_template):
            assert app.jinja_env.get_template(name), (wf.name, name)


def test_the_menus_come_from_the_case_types_in_their_order() -> None:
    orders = [wf.menu_order for wf in CASE_TYPES.values()]
    assert len(set(orders)) == len(orders), "two case types share a menu place"
    for wf in CASE_TYPES.values():
        own = [s for s in STEPS if s.wf == wf.name]
        assert [s.label for s in own] == [wf.label + step.word for step in wf.steps]
        assert all(s.group == wf.label for s in own)
        assert (wf.records is not None) == any(s.step == "view" for s in wf.steps), wf.name
    assert [s.order for s in STEPS] == sorted(s.order for s in STEPS)


def test_a_form_is_read_as_the_bodys_json_paths() -> None:
    form = MultiDict([("csrf_token", "t"), ("intent", "submit"), ("version", "3"),
                      ("agency.name", " 津和 "), ("agency.phone", " "),
                      ("license_items[]", "L01"), ("license_items[]", "L03"), ("ground", "D01")])
    assert forms.nested(form) == {"agency": {"name": "津和", "phone": None},
                                  "license_items": ["L01", "L03"], "ground": "D01"}
    assert CASE_TYPES["licensing"].form_body(form, None) == forms.nested(form)


def test_deregistration_reads_the_ticked_records() -> None:
    form = MultiDict([("targets[]", "license:7"), ("targets[]", "filing:x"), ("ground", "D01")])
    assert CASE_TYPES["deregistration"].form_body(form, None) == {
        "targets": [{"kind": "license", "id": 7}], "ground": "D01"}
