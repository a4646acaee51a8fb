"""The public list (条例 Art 22): content, filters, pages, no personal data, no login, no
session cookie, the .xlsx (formula-safe) and the per-address rate limit."""

from __future__ import annotations

import io

import openpyxl
import pytest

from tests.kit import HP, HX, ID_NO, credit_code
from tests.publicity.conftest import CONTACT, EVIL, PHONE

JSON = "/public/agencies.json"


def names(answer) -> list[str]:
    return [row["name"] for row in answer.json["items"]]


def test_the_list_shows_licensed_and_filed_agencies_with_their_records(client, listed):
    answer = client.get(JSON)
    assert answer.status_code == 200
    assert "Set-Cookie" not in answer.headers
    by_name = {row["name"]: row for row in answer.json["items"]}
    # 丁 holds neither a licence nor a filing: not listed; ended ones are (with their status).
    assert set(by_name) == {"甲人力资源服务有限公司", EVIL, "乙人力资源有限公司", "丙人力资源有限公司"}
    assert answer.json["total"] == 4
    jia = by_name["甲人力资源服务有限公司"]
    assert jia == {
        "name": "甲人力资源服务有限公司", "credit_code": credit_code(11, HP), "division": HP,
        "division_name": "和平区",
        "licenses": [{"license_number": "津人服证字〔2024〕0001号", "items": [jia["licenses"][0]["items"][0]],
                      "valid_until": "2099-01-01", "status": "valid", "status_label": "有效"}],
        "filings": [{"filing_number": "津人服备字〔2024〕0001号", "items": [jia["filings"][0]["items"][0]],
                     "status": "valid", "status_label": "有效"}],
        "last_changed": jia["last_changed"],
    }
    assert jia["licenses"][0]["items"][0] and jia["licenses"][0]["items"][0] != "L01"  # the label
    # Past 有效期至 a stored-valid licence reads 已过期.
    yi = by_name["乙人力资源有限公司"]["licenses"][0]
    assert (yi["status"], yi["status_label"]) == ("expired", "已过期")
    bing = by_name["丙人力资源有限公司"]
    assert bing["filings"][0]["status_label"] == "已注销" and bing["last_changed"] >= "2022-05-06"


def test_search_by_name_or_credit_code_and_filter_by_division(client, listed):
    assert names(client.get(JSON, query_string={"q": "乙人力"})) == ["乙人力资源有限公司"]
    assert names(client.get(JSON, query_string={"q": credit_code(14, HX).lower()})) == [
        "丙人力资源有限公司"]
    assert set(names(client.get(JSON, query_string={"division": HX}))) == {
        "乙人力资源有限公司", "丙人力资源有限公司"}
    assert len(names(client.get(JSON, query_string={"division": "120000"}))) == 4  # the city
    refused = client.get(JSON, query_string={"division": "999999"})
    assert refused.status_code == 422 and "division" in refused.json["error"]["fields"]
    assert client.get(JSON, query_string={"page": "x"}).status_code == 422


def test_pages(client, listed):
    first = client.get(JSON, query_string={"per_page": 3})
    second = client.get(JSON, query_string={"per_page": 3, "page": 2})
    assert (first.json["total"], len(first.json["items"]), len(second.json["items"])) == (4, 3, 1)
    assert not set(names(first)) & set(names(second))


def test_the_page_needs_no_login_sets_no_cookie_and_shows_no_personal_data(client, listed):
    page = client.get("/public/agencies")
    assert page.status_code == 200 and "Set-Cookie" not in page.headers
    html = page.text
    assert "甲人力资源服务有限公司" in html and "已过期" in html
    assert "业务菜单" not in html and "退出" not in html  # the public layout: no officer menu
    assert "&#34;点我&#34;" in html or "&quot;点我&quot;" in html  # escaped
    for body in (html, client.get(JSON).text):
        for secret in (ID_NO, PHONE, CONTACT, "legal_rep", "phone"):
            assert secret not in body
    filtered = client.get("/public/agencies", query_string={"q": "丙"})
    assert "丙人力资源有限公司" in filtered.text and "甲人力资源服务有限公司" not in filtered.text
    assert client.get("/public/agencies", query_string={"division": "bad"}).status_code == 422


def test_a_signed_in_browser_gets_no_new_cookie_either(login_as, listed):
    browser = login_as("HRM_GL", HP)
    assert "Set-Cookie" not in browser.get("/public/agencies").headers


def test_the_workbook_keeps_a_formula_like_name_text(client, listed):
    answer = client.get("/public/agencies.xlsx", query_string={"division": HP})
    assert answer.status_code == 200 and "Set-Cookie" not in answer.headers
    ws = openpyxl.load_workbook(io.BytesIO(answer.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("机构名称", "统一社会信用代码", "所属行政区划", "许可证编号")
    evil = next(row for row in ws.iter_rows(min_row=2) if row[0].value == EVIL)
    assert evil[0].data_type == "s"  # text, not a formula
    assert {r[0] for r in rows[1:]} == {"甲人力资源服务有限公司", EVIL}
    assert ws.cell(2, 2).number_format == "@"
    text = answer.data.decode("latin-1")
    assert ID_NO not in text and PHONE not in text


@pytest.fixture
def strict_app(make_app):
    return make_app(PUBLIC_RATE_LIMIT=3)


def test_a_client_address_past_the_limit_gets_429(strict_app):
    client = strict_app.test_client()
    answers = [client.get(JSON).status_code for _ in range(3)]
    refused = client.get("/public/agencies")
    assert answers == [200, 200, 200]
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    other = client.get(JSON, environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other.status_code == 200  # counted per address
