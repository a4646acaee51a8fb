"""Permission, jurisdiction, CSRF and escaping of the 历史数据采集 pages and API."""

from __future__ import annotations

import io
import re

import pytest

from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency
from portal_plugin.core.permissions import DEFAULT_ROLES
from tests.conftest import csrf_token_from
from tests.history.conftest import fill, row
from tests.kit import CITY, HP, HX

EVIL = "<script>alert(1)</script>有限公司"


@pytest.fixture
def imported(app, client, template, upload, gl) -> dict:
    """Two imported agencies; the 和平区 one named with a script tag. The import refuses `<` in a
    name (含有非法字符), so the name is written to the database as older data could hold it."""
    refused = upload(fill(template, [row(1, name=EVIL)])).json
    assert refused["errors"] and "含有非法字符" in str(refused["errors"])
    batch = upload(fill(template, [row(1), row(2, "河西区")])).json
    assert client.post(f"/api/v1/history-imports/{batch['id']}/commit",
                       headers=gl(CITY)).status_code == 200
    items = client.get("/api/v1/history-records", headers=gl(CITY)).json["items"]
    hp = next(i["id"] for i in items if i["division"] == HP)
    with app.app_context():
        db.session.get(Agency, hp).name = EVIL
        db.session.commit()
    return {"batch": batch["id"], "hp": hp,
            "hx": next(i["id"] for i in items if i["division"] == HX)}


@pytest.mark.parametrize("role", sorted(DEFAULT_ROLES))
def test_an_empty_upload_is_422_for_importers_and_403_for_others(client, auth_header, role):
    # Every page and API call of the feature × role is in tests/test_permission_matrix.py.
    allowed = "history.import" in DEFAULT_ROLES[role].permissions
    upload = client.post("/api/v1/history-imports", headers=auth_header(role, CITY), data={},
                         content_type="multipart/form-data")
    assert upload.status_code == (422 if allowed else 403)


def test_anonymous_calls_are_401(client, imported):
    assert client.get("/api/v1/history-records").status_code == 401
    assert client.post(f"/api/v1/history-imports/{imported['batch']}/commit").status_code == 401


def test_district_officer_pages_are_scoped_and_others_are_404(login_as, imported):
    browser = login_as("HRM_GL", HP)
    listing = browser.get("/history-import").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;有限公司" in listing and EVIL not in listing
    assert "河西区" not in re.sub(r"<select.*?</select>", "", listing, flags=re.S)
    assert browser.get(f"/history-import/records/{imported['hx']}/edit").status_code == 404
    assert browser.get(f"/history-import/records/{imported['hx']}/delete").status_code == 404
    assert browser.get(f"/history-import/batches/{imported['batch']}").status_code == 404
    assert browser.get(f"/history-import/batches/{imported['batch']}/report.xlsx").status_code == 404
    assert browser.get(f"/history-import/records/{imported['hp']}/edit").status_code == 200


def test_district_officer_may_import_only_rows_of_their_district(template, upload):
    batch = upload(fill(template, [row(1), row(2, "河西区")]), division=HP).json
    assert [(e["row"], e["key"], e["message"]) for e in batch["errors"]] == [
        (3, "division", "不在您的管辖范围内")]
    assert "只能导入和平区的机构" in batch["errors"][0]["hint"]


def test_forms_refuse_a_missing_csrf_token(login_as, template, imported):
    browser = login_as("HRM_GL", CITY)
    posts = {
        "/history-import/import": {"file": (io.BytesIO(fill(template, [row(5)])), "a.xlsx")},
        f"/history-import/batches/{imported['batch']}/commit": {},
        f"/history-import/batches/{imported['batch']}/undo": {},
        f"/history-import/records/{imported['hp']}/edit": {"name": "改名"},
        f"/history-import/records/{imported['hp']}/delete": {},
    }
    for url, data in posts.items():
        response = browser.post(url, data=data, content_type="multipart/form-data")
        assert response.status_code == 400, url
        assert "请求已失效" in response.text
    assert browser.get(f"/history-import/records/{imported['hp']}/edit").status_code == 200


def test_the_four_steps_in_pages(login_as, template, registry):
    browser = login_as("HRM_GL", CITY)
    index = browser.get("/history-import")
    assert index.status_code == 200 and "导入历史数据" in index.text and "查询" in index.text
    start = browser.get("/history-import/import").text
    assert "下载模版" in start and "上传文件" in start and 'aria-current="step"' in start
    assert browser.get("/history-import/template.xlsx").data[:2] == b"PK"
    token = csrf_token_from(start)

    refused = browser.post("/history-import/import", content_type="multipart/form-data", data={
        "csrf_token": token, "file": (io.BytesIO(b"not a workbook"), "a.xlsx")})
    assert refused.status_code == 422 and "文件不是Excel工作簿" in refused.text

    uploaded = browser.post("/history-import/import", content_type="multipart/form-data", data={
        "csrf_token": token, "file": (io.BytesIO(fill(template, [row(7), row(8)])), "a.xlsx")})
    assert uploaded.status_code == 302
    step2 = browser.get(uploaded.headers["Location"]).text
    assert "下一步" in step2 and "共 2 行数据" in step2
    batch_url = re.search(r'href="(/history-import/batches/\d+)"', step2).group(1)
    step3 = browser.get(batch_url).text
    assert "确认导入" in step3 and row(7)["name"] in step3
    assert "下载错误报告" not in step3  # a clean batch offers no error report
    done = browser.post(batch_url + "/commit", data={"csrf_token": token})
    assert done.status_code == 302
    step4 = browser.get(done.headers["Location"]).text
    assert "导入完成：新增机构2个" in step4 and "撤销导入" in step4
    assert {row(7)["credit_code"], row(8)["credit_code"]} <= registry()["agencies"]


def test_modify_and_delete_pages(login_as, imported, registry):
    browser = login_as("HRM_GL", CITY)
    form = browser.get(f"/history-import/records/{imported['hp']}/edit").text
    token = csrf_token_from(form)
    assert "&lt;script&gt;" in form and EVIL not in form
    values = dict(re.findall(r'<input type="text" name="(\w+)" value="([^"]*)"', form))
    values.update(csrf_token=token, name="", agency_type="T02", division="120101",
                  legal_rep_id_type="resident_id", license_items=["L01"], filing_items=["F03"],
                  license_issued_on="2015-06-30", filed_on="2016-03-01")
    invalid = browser.post(f"/history-import/records/{imported['hp']}/edit", data=values)
    assert invalid.status_code == 422 and "必填" in invalid.text
    values["name"] = "津门历史人力资源有限公司"
    saved = browser.post(f"/history-import/records/{imported['hp']}/edit", data=values)
    assert saved.status_code == 302
    assert "<td>津门历史人力资源有限公司</td>" in browser.get("/history-import").text
    confirm = browser.get(f"/history-import/records/{imported['hp']}/delete").text
    assert "确认删除" in confirm
    deleted = browser.post(f"/history-import/records/{imported['hp']}/delete",
                           data={"csrf_token": token})
    assert deleted.status_code == 302
    after = browser.get("/history-import").text
    assert "已删除：津门历史人力资源有限公司" in after and "<td>津门历史人力资源有限公司</td>" not in after


def test_the_upload_page_refuses_a_file_over_the_size_cap_with_its_message(app, login_as):
    app.config["HISTORY_IMPORT_MAX_BYTES"] = 1024 * 1024
    browser = login_as("HRM_GL", CITY)
    token = csrf_token_from(browser.get("/history-import/import").text)
    response = browser.post("/history-import/import", content_type="multipart/form-data", data={
        "csrf_token": token, "file": (io.BytesIO(b"PK" + b"\0" * (1024 * 1024 + 10)), "a.xlsx")})
    assert response.status_code == 413
    assert "文件超过1 MB的上限，请分成多个文件分批导入" in response.text


def test_an_oversized_upload_is_refused_before_its_body_is_read(app, login_as):
    app.config["HISTORY_IMPORT_MAX_BYTES"] = 1024 * 1024
    browser = login_as("HRM_GL", CITY)
    token = csrf_token_from(browser.get("/history-import/import").text)
    body = (b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.xlsx"\r\n'
            b"Content-Type: application/octet-stream\r\n\r\n" + b"PK" * (1024 * 1024)
            + b"\r\n--x--\r\n")

    def unread() -> bytes:  # the whole body would be read only by a parser ignoring the cap
        raise AssertionError("the body was read")

    stream = io.BytesIO(body)
    stream.read = lambda *a, **k: unread()  # type: ignore[method-assign]
    response = browser.post(
        "/history-import/import", input_stream=stream, content_length=len(body),
        content_type="multipart/form-data; boundary=x", headers={"X-CSRFToken": token})
    assert response.status_code == 413
    assert "上传内容过大" in response.text
