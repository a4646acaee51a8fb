"""统计分析 in headless Chromium: the table, its SVG chart, a bad range, 【导出】."""

from __future__ import annotations

import pytest

from portal_plugin.core.extensions import db
from portal_plugin.demo import statistics as statistics_demo
from portal_plugin.statistics.service import this_year

pytestmark = pytest.mark.slow


def test_statistics_page_shows_its_chart_and_exports(live, as_user):
    _, app = live
    with app.app_context():
        statistics_demo.load()
        db.session.commit()
    page = as_user("赵静")  # 市局 业务管理岗
    page.get_by_role("link", name="按年度统计各地区新增情况", exact=True).first.click()
    chart = page.locator("figure.chart svg")
    assert chart.is_visible()
    assert chart.locator("g.bar").count() == 5
    assert chart.bounding_box()["height"] > 100
    assert "滨海新区" in page.locator("table.statistics thead").inner_text()

    page.get_by_label("起始年度").fill(str(this_year() - 9))
    page.get_by_role("button", name="查询").click()
    assert chart.locator("g.bar").count() == 10
    with page.expect_download() as download:
        page.get_by_role("link", name="导出").click()
    assert download.value.suggested_filename.startswith("按年度统计各地区新增情况_")

    page.get_by_label("起始年度").fill(str(this_year() + 1))
    page.get_by_role("button", name="查询").click()
    assert "起始年度不能晚于截止年度" in page.get_by_role("alert").inner_text()
    assert page.locator("figure.chart").count() == 0
