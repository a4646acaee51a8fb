"""事项变更 through both faces: the clerk's form (as a browser submits it) and the API, given the
same request, accept the same change set or refuse with the same field errors."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from werkzeug.datastructures import MultiDict

from tests.kit import CLERK_CODE, HP, ID_NO, materials_form

NAME = f"测试人力资源机构{CLERK_CODE[-6:]}"  # the registered name (conftest's agency_body)
NEW_NAME = "津和人力资源集团有限公司"
OTHER_ID_NO = "120101198001010012"


class FormFields(HTMLParser):
    """The (name, value) pairs a browser submits from a page's application form, as shown."""

    def __init__(self) -> None:
        super().__init__()
        self.pairs: list[tuple[str, str]] = []
        self._form = False
        self._select: str | None = None
        self._first: str | None = None
        self._chosen = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = "application" in a.get("class", "")
        elif not self._form:
            return
        elif tag == "input" and "name" in a and "disabled" not in a:
            if a.get("type") != "checkbox" or "checked" in a:
                self.pairs.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select, self._first, self._chosen = a["name"], None, False
        elif tag == "option" and self._select:
            if self._first is None:
                self._first = a.get("value", "")
            if "selected" in a:
                self.pairs.append((self._select, a.get("value", "")))
                self._chosen = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = False
        elif tag == "select" and self._select:
            if not self._chosen:
                self.pairs.append((self._select, self._first or ""))
            self._select = None


def shown_form(browser) -> MultiDict[str, str]:  # type: ignore[no-untyped-def]
    parser = FormFields()
    parser.feed(browser.get("/agency/apply/change").text)
    return MultiDict(parser.pairs)


def submit(browser, form: MultiDict[str, str], edits: dict[str, Any]):  # type: ignore[no-untyped-def]
    """Post the form as shown with the clerk's edits (a list replaces a checkbox group)."""
    data = form.copy()
    for name, value in edits.items():
        data.setlist(name, value if isinstance(value, list) else [value])
    data["intent"] = "submit"
    for name, file in materials_form("change").items():
        data.add(name, file)
    return browser.post("/agency/apply/change", data=data)


def page_outcome(response, api, people) -> tuple[str, dict[str, Any]]:  # type: ignore[no-untyped-def]
    """("accepted", the case's change set) or ("refused", the fields' errors) of a form post."""
    text = response.get_data(as_text=True)
    if response.status_code == 302:
        case_id = int(response.headers["Location"].rsplit("/", 1)[1])
        case = api.get("change", case_id, people.clerk()).json
        return "accepted", case["application"]["changes"]
    assert response.status_code == 422, text[:300]
    errors = re.findall(r'class="field-error" id="err-([^"]+)">([^<]+)<', text)
    return "refused", {field.replace("-", "."): message for field, message in errors}


def api_outcome(api, changes: dict[str, Any]) -> tuple[str, dict[str, Any]]:  # type: ignore[no-untyped-def]
    response = api.create("change", {"changes": changes}, submit=True)
    if response.status_code == 201:
        return "accepted", response.json["application"]["changes"]
    assert response.status_code == 422, response.json
    return "refused", response.json["error"]["fields"]


@pytest.fixture
def clerk(registered, login_as):  # type: ignore[no-untyped-def]
    """The registered agency's clerk (licence L01, L02; filing F01, F03), signed in."""
    registered()
    return login_as("HRM_JG", HP)


def test_the_form_shows_the_registered_values(clerk):
    form = shown_form(clerk)
    assert form["changes.name"] == NAME and form["changes.legal_rep"] == "张伟"
    assert form.getlist("changes.license_items[]") == ["L01", "L02"]
    assert form.getlist("changes.filing_items[]") == ["F01", "F03"]
    assert form["changes.agency_type"] == "T02"


@pytest.mark.parametrize("edits, changes, expected", [
    pytest.param({"changes.name": NEW_NAME}, {"name": NEW_NAME},
                 ("accepted", {"name": NEW_NAME}), id="a new name"),
    pytest.param({"changes.legal_rep": "李娜", "changes.legal_rep_id_no": OTHER_ID_NO,
                  "changes.license_items[]": ["L02", "L01", "L03"]},
                 {"legal_rep": "李娜", "legal_rep_id_no": OTHER_ID_NO,
                  "license_items": ["L02", "L01", "L03"]},
                 ("accepted", {"legal_rep": "李娜", "legal_rep_id_no": OTHER_ID_NO,
                               "license_items": ["L02", "L01", "L03"]}),
                 id="a new legal representative and one more item"),
    pytest.param({"changes.filing_items[]": ["F03", "F01"], "changes.name": NEW_NAME},
                 {"name": NEW_NAME}, ("accepted", {"name": NEW_NAME}),
                 id="items re-ticked in another order are no change"),
    pytest.param({}, {}, ("refused", {"changes": "请至少填写一项变更内容"}), id="nothing changed"),
    pytest.param({"changes.division": "120102"}, {"division": "120102"},
                 ("accepted", {"division": "120102"}), id="a district move"),
    pytest.param({"changes.legal_rep_id_no": ID_NO[:17] + "1"},
                 {"legal_rep_id_no": ID_NO[:17] + "1"},
                 ("refused", {"changes.legal_rep_id_no": "居民身份证号码校验位错误"}),
                 id="a bad ID number"),
    pytest.param({"changes.license_items[]": []}, {"license_items": []},
                 ("refused", {"changes.license_items": "至少选择一项"}),
                 id="every licence item unticked"),
])
def test_the_form_and_the_api_agree(clerk, api, people, edits, changes, expected):
    assert page_outcome(submit(clerk, shown_form(clerk), edits), api, people) == expected
    assert api_outcome(api, changes) == expected


def test_a_change_to_the_registered_value_is_refused_with_the_field_named(clerk, api, people):
    """The clerk types a new name and items the registry took meanwhile: neither face drops
    them silently, both refuse them by name."""
    form = shown_form(clerk)
    api.bring("change", {"changes": {"name": NEW_NAME, "license_items": ["L01", "L03"]}},
              "approved")
    edits = {"changes.name": NEW_NAME, "changes.license_items[]": ["L01", "L03"]}
    page = page_outcome(submit(clerk, form, edits), api, people)
    expected = ("refused", {"changes.name": "与现登记信息相同",
                            "changes.license_items": "与现登记信息相同"})
    assert page == expected
    assert api_outcome(api, {"name": NEW_NAME, "license_items": ["L03", "L01"]}) == expected
    # Left as the form showed it, a field that the registry changed meanwhile is no request.
    assert page_outcome(submit(clerk, form, {"changes.legal_rep": "李娜"}), api, people) == (
        "accepted", {"legal_rep": "李娜"})


def test_a_returned_change_keeps_its_requests_when_edited(clerk, api, people):
    case = api.bring("change", {"changes": {"name": NEW_NAME}}, "returned")
    own = clerk.get(f"/agency/cases/change/{case['id']}").text
    parser = FormFields()
    parser.feed(own)
    data = MultiDict(parser.pairs)
    assert data["changes.name"] == NEW_NAME, "the form shows what the case asks for"
    data.setlist("changes.legal_rep", ["李娜"])
    data["intent"] = "submit"
    assert clerk.post(f"/agency/cases/change/{case['id']}", data=data).status_code == 302
    changes = api.get("change", case["id"], people.clerk()).json["application"]["changes"]
    assert changes == {"name": NEW_NAME, "legal_rep": "李娜"}
