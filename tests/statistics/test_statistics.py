"""统计分析: counts equal the registry's, within the jurisdiction only; ranges; chart; export."""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest
from sqlalchemy import select

from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency, AuditEvent, License
from portal_plugin.core.permissions import DEFAULT_ROLES
from tests.statistics.conftest import Registry

CITY, HP, BH = "120000", "120101", "120116"
PATHS = {"new": "/api/v1/statistics/new-agencies",
         "deregistered": "/api/v1/statistics/deregistered-agencies"}
PAGES = {"new": "/statistics/new", "deregistered": "/statistics/deregistered"}


def counts(body: dict) -> dict[tuple[int, str], int]:
    return {(row["year"], row["division"]): row["count"] for row in body["rows"] if row["count"]}


@pytest.mark.parametrize("kind", ["new", "deregistered"])
def test_city_officer_counts_equal_the_registry_in_every_district(client, auth_header, registry,
                                                                  kind):
    first, last = registry.years
    body = client.get(PATHS[kind], headers=auth_header("HRM_CX", CITY)).json
    expected = registry.expected(kind, first, last)
    assert counts(body) == expected
    assert body["total"] == sum(expected.values()) > 0
    assert {row["year"] for row in body["rows"]} == set(range(first, last + 1))
    assert len({row["division"] for row in body["rows"]}) == 16  # every current district
    assert "120107" not in {row["division"] for row in body["rows"]}  # legacy → 滨海新区
    assert expected.get((last, BH)) or expected.get((last - 1, BH))


@pytest.mark.parametrize("kind", ["new", "deregistered"])
@pytest.mark.parametrize("division", [HP, BH])
def test_district_officer_sees_only_its_own_district(client, auth_header, registry, kind,
                                                     division):
    body = client.get(PATHS[kind] + "?from=2000&to=2029",
                      headers=auth_header("HRM_GL", division)).json
    # A district covers itself only (records under a legacy code are the city's to count).
    expected = registry.expected(kind, 2000, 2029, {division})
    assert counts(body) == expected and body["total"] == sum(expected.values()) > 0
    assert {row["division"] for row in body["rows"]} == {division}


def test_a_wider_range_counts_the_older_years_too(client, auth_header, registry: Registry):
    first, last = registry.years[0] - 2, registry.years[1]
    body = client.get(f"{PATHS['new']}?from={first}&to={last}",
                      headers=auth_header("HRM_CX", CITY)).json
    assert counts(body) == registry.expected("new", first, last)


def test_first_grant_follows_licence_changes(app, client, auth_header, registry):
    """The triggers keep each agency's first grant year as licences are added, moved, removed."""
    def count_2001() -> int:
        return client.get(PATHS["new"] + "?from=2001&to=2001",
                          headers=auth_header("HRM_CX", CITY)).json["total"]

    with app.app_context():
        agency, other = db.session.scalars(select(Agency).where(Agency.division_code == HP)
                                           .order_by(Agency.id).limit(2)).all()
        license_ = License(agency_id=agency.id, license_number="许-early",
                           issued_on=dt.date(2001, 5, 1), items=["L01"])
        db.session.add(license_)
        db.session.commit()
        assert count_2001() == 1
        license_.agency_id = other.id
        db.session.commit()
        assert db.session.scalar(select(Agency.first_granted_year)
                                 .where(Agency.id == other.id)) == 2001
        assert db.session.scalar(select(Agency.first_granted_year)
                                 .where(Agency.id == agency.id)) != 2001
        license_.issued_on = dt.date(2030, 1, 1)
        db.session.commit()
        assert count_2001() == 0
        db.session.delete(license_)
        db.session.commit()
    assert count_2001() == 0
    assert counts(client.get(PATHS["new"], headers=auth_header("HRM_CX", CITY)).json) == \
        registry.expected("new", *registry.years)


@pytest.mark.parametrize("query, field", [
    ("from=2025&to=2020", "from"), ("from=1990&to=2025", "to"), ("from=abc", "from"),
    ("to=20x4", "to"), ("from=0001&to=2025", "from"), ("from=99999", "from")])
def test_bad_ranges_are_422_with_a_chinese_message(client, auth_header, login_as, query, field):
    response = client.get(f"{PATHS['new']}?{query}", headers=auth_header("HRM_CX", CITY))
    assert response.status_code == 422
    error = response.json["error"]
    assert field in error["fields"] and "年" in error["message"]
    page = login_as("HRM_CX", CITY).get(f"{PAGES['deregistered']}?{query}")
    assert page.status_code == 422 and "统计年度有误" in page.text and "<svg" not in page.text


@pytest.mark.parametrize("role", sorted(DEFAULT_ROLES))
def test_only_statistics_view_may_see_pages_api_and_exports(client, auth_header, login_as, role):
    allowed = "statistics.view" in DEFAULT_ROLES[role].permissions
    browser = login_as(role, HP)
    for kind in PATHS:
        for url in (PAGES[kind], f"/statistics/{kind}/export"):
            assert browser.get(url).status_code == (200 if allowed else 403), (role, url)
        assert client.get(PATHS[kind], headers=auth_header(role, HP)).status_code == \
            (200 if allowed else 403)
    assert client.get(PATHS["new"]).status_code == 401


def test_page_shows_the_table_with_totals_and_the_chart(login_as, registry):
    first, last = registry.years
    html = login_as("HRM_GL", CITY).get(PAGES["new"]).text
    expected = registry.expected("new", first, last)
    assert "<svg" in html and html.count('class="bar"') == 5
    assert "和平区" in html and "蓟州区" in html and "塘沽区" not in html
    grand = re.search(r'<tfoot>.*?<td class="number total">(\d+)</td>', html, re.S)
    assert grand and int(grand.group(1)) == sum(expected.values())
    assert f'name="from" value="{first}"' in html and f'name="to" value="{last}"' in html
    # The chart is drawn by the server: the only script is the layout's confirmation dialogs.
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/confirm.js" defer>']


def test_district_page_has_one_district_column(login_as, registry):
    html = login_as("HRM_CX", HP).get(PAGES["deregistered"]).text
    assert "和平区" in html and "河西区" not in html and "滨海新区" not in html


@pytest.mark.parametrize("via", ["page", "api"])
def test_export_is_the_table_as_xlsx_and_is_audited(app, client, auth_header, login_as, registry,
                                                    via):
    first, last = registry.years
    if via == "page":
        response = login_as("HRM_CX", HP).get(f"/statistics/deregistered/export?from={first}&to={last}")
    else:
        response = client.get(f"{PATHS['deregistered']}?format=xlsx&from={first}&to={last}",
                              headers=auth_header("HRM_CX", HP))
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert "filename*=UTF-8''" in disposition and "%E6%B3%A8%E9%94%80" in disposition  # 注销
    ws = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("年度", "和平区", "合计")
    assert ws.freeze_panes == "A2"
    assert [r[0] for r in rows[1:]] == [str(y) for y in range(first, last + 1)] + ["合计"]
    expected = registry.expected("deregistered", first, last, {HP})
    assert [r[1] for r in rows[1:-1]] == [expected.get((y, HP), 0) for y in range(first, last + 1)]
    assert rows[-1][2] == sum(expected.values())
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).one()
    assert event.object_type == "statistics" and event.object_id == "deregistered"
    assert event.actor_division == HP


def test_demo_data_gives_both_statistics_something_to_count(runner, client, auth_header):
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    for kind, path in PATHS.items():
        body = client.get(path, headers=auth_header("HRM_CX", CITY)).json
        assert body["total"] > 0, kind
        assert len({row["year"] for row in body["rows"] if row["count"]}) >= 3, kind
