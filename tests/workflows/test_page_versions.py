"""An officer's decision on a case page must carry the version the page was rendered with:
without a whole number it is refused (409), a stale one is 409, and neither changes the case."""

from __future__ import annotations

from typing import Any

import pytest

from portal_plugin.core.api import PAGE_VERSION_MISSING, version_of
from portal_plugin.core.errors import STALE, Conflict, Invalid
from tests.conftest import csrf_token_from
from tests.kit import HP

# Missing, empty, not a number, not whole, negative, a full-width digit, beyond any version.
BAD_VERSIONS = [None, "", "abc", "1.5", "-1", "２", "9" * 11, "1" * 5000]


@pytest.fixture
def submitted(case_in) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return case_in("filing", "submitted")[0]


def accept(login_as, case: dict[str, Any], version: str | None):  # type: ignore[no-untyped-def]
    officer = login_as("HRM_SL", HP)
    page = officer.get(f"/cases/filing/{case['id']}").text
    data = {"csrf_token": csrf_token_from(page), "reason": ""}
    if version is not None:
        data["version"] = version
    response = officer.post(f"/cases/filing/{case['id']}/accept", data=data)
    response.officer = officer  # the browser whose next page shows the flashed refusal
    return response


def snapshot(api, people, case: dict[str, Any]) -> tuple[str, int, int]:  # type: ignore[no-untyped-def]
    """The case's status, version and number of 流转记录 entries."""
    after = api.get("filing", case["id"], people.officer("HRM_SL")).json
    return after["status"], after["version"], len(after["events"])


@pytest.mark.parametrize("version", BAD_VERSIONS)
def test_a_page_form_needs_the_whole_number_it_was_rendered_with(version) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Conflict) as refused:
        version_of(version, page=True)
    assert refused.value.message == PAGE_VERSION_MISSING


def test_versions_read_from_a_page_form_and_from_a_json_body() -> None:
    assert version_of("7", page=True) == 7 and version_of(" 0 ", page=True) == 0
    assert version_of(None) is None and version_of(7) == 7
    for wrong in ("7", 7.0, True, [7]):
        with pytest.raises(Invalid) as refused:
            version_of(wrong)
        assert refused.value.fields == {"version": "应为整数"}


@pytest.mark.parametrize("version", [None, "1.5"])
def test_a_decision_without_a_whole_version_is_refused_and_changes_nothing(
        login_as, api, people, submitted, version) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(api, people, submitted)
    response = accept(login_as, submitted, version)
    # Refused: back to the case page (no re-post on refresh), the message shown there.
    assert response.status_code == 303
    assert PAGE_VERSION_MISSING in follow(login_as, response)
    assert snapshot(api, people, submitted) == before


def follow(login_as, response) -> str:  # type: ignore[no-untyped-def]
    """The page a refused decision redirects to, as the same officer sees it."""
    assert response.headers["Location"].startswith("/cases/filing/")
    return response.officer.get(response.headers["Location"]).text


def test_a_stale_decision_is_refused_and_the_current_one_is_taken(
        login_as, api, people, submitted) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(api, people, submitted)
    for stale in (submitted["version"] - 1, submitted["version"] + 1):
        response = accept(login_as, submitted, str(stale))
        assert response.status_code == 303 and STALE in follow(login_as, response)
    assert snapshot(api, people, submitted) == before
    assert accept(login_as, submitted, str(submitted["version"])).status_code == 302
    after = api.get("filing", submitted["id"], people.officer("HRM_SL")).json
    assert (after["status"], after["version"]) == ("pending_review", submitted["version"] + 1)
