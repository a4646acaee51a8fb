"""双公示: decisions enter the queue in their transaction with the due date over holidays;
overdue marks; the 27-field export (header and rows, formula-safe); publishing a batch is
audited and empties the queue; another district sees nothing."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from flask import Flask
from sqlalchemy import select

from portal_plugin.core.clock import local_zone
from portal_plugin.core.extensions import db
from portal_plugin.core.models import AuditEvent, License
from portal_plugin.publicity import service as publicity_service
from tests.conftest import csrf_token_from
from tests.kit import HP, HX, Api, People, agency_body, credit_code
from tests.publicity.conftest import EVIL
from workflows import common, engine, service
from workflows.publicity import FIELDS, PublicityItem

D = dt.date
FRIDAY = D(2026, 9, 18)  # before 中秋 (09-25..27); 09-20 is a 调休 working Sunday
QUEUE, EXPORT, BATCHES = ("/api/v1/publicity/queue", "/api/v1/publicity/export",
                          "/api/v1/publicity/batches")


@pytest.fixture
def on(monkeypatch: pytest.MonkeyPatch):
    """Move the engine's clock and the lists' today to a day."""

    def move(day: dt.date) -> None:
        moment = dt.datetime.combine(day, dt.time(10), local_zone()).astimezone(dt.UTC)
        monkeypatch.setattr(engine, "utcnow", lambda: moment)
        monkeypatch.setattr(service, "today", lambda: day)
        monkeypatch.setattr(publicity_service, "today", lambda: day)

    return move


def licensing(api: Api, seed: int, state: str, division: str = HP, **agency) -> dict:
    code = credit_code(seed, division)
    return api.bring("licensing", {"agency": agency_body(code, division, **agency),
                                   "license_items": ["L01"]}, state, clerk=code,
                     division=division)


def items(client, headers, **query) -> list[dict]:
    answer = client.get(QUEUE, query_string=query, headers=headers)
    assert answer.status_code == 200, answer.json
    return answer.json["items"]


def test_a_grant_enters_the_queue_due_seven_working_days_later_over_the_holiday(
        app: Flask, client, api: Api, people: People, year_2026, on):
    on(FRIDAY)
    case = licensing(api, 21, "approved")
    manager = people.officer("HRM_GL")
    [item] = items(client, manager)
    # 09-20 (调休), 21, 22, 23, 24, — 中秋 25–27 —, 28, 29.
    assert (item["decision_date"], item["due_date"]) == ("2026-09-18", "2026-09-29")
    assert (item["source"], item["source_id"], item["decision"]) == ("case", case["id"], "approve")
    assert item["status"] == "pending" and item["days_left"] == 7 and item["deadline_flag"] is None
    with app.app_context():
        licence = db.session.get(License, case["result"]["license_id"])
        authority, authority_code = common.authority(HP)
        want = {
            "行政相对人名称": agency_body(credit_code(21))["name"],
            "统一社会信用代码": credit_code(21), "工商注册号": "", "组织机构代码": "",
            "税务登记号": "", "事业单位证书号": "", "社会组织登记证号": "",
            "法定代表人": "张伟", "法定代表人身份证号": "", "证件类型": "", "证件号码": "",
            "行政许可决定文书名称": "准予行政许可决定书",
            "行政许可决定文书号": licence.decision_number, "许可类别": "普通",
            "许可证书名称": "人力资源服务许可证", "许可编号": licence.license_number,
            "许可内容": item["record"]["许可内容"], "许可决定日期": "2026-09-18",
            "有效期自": "2026-09-18", "有效期至": licence.valid_until.isoformat(),
            "许可机关": authority, "许可机关统一社会信用代码": authority_code or "",
            "当前状态": "有效", "数据来源单位": authority,
            "数据来源单位统一社会信用代码": authority_code or "", "备注": "",
        }
    assert item["record"] == want
    assert item["record"]["许可内容"].startswith("职业中介活动：")
    assert "和平区人力资源和社会保障局" in authority


def test_a_refusal_and_a_revocation_enter_the_queue_too(app, client, api, people, year_2026,
                                                         on):
    on(FRIDAY)
    refused = licensing(api, 22, "refused")
    granted = licensing(api, 23, "approved")
    manager = people.officer("HRM_GL")
    revoked = client.post("/api/v1/revocations", headers=manager, json={
        "license_id": granted["result"]["license_id"], "ground": "R02",
        "decision_date": "2026-09-21"})
    assert revoked.status_code == 201, revoked.json
    by = {(i["source"], i["decision"]): i for i in items(client, manager)}
    refusal = by[("case", "refuse")]
    assert refusal["source_id"] == refused["id"]
    assert refusal["record"]["行政许可决定文书名称"] == "不予行政许可决定书"
    assert refusal["record"]["备注"] == "材料不齐全" and refusal["record"]["许可编号"] == ""
    assert refusal["record"]["行政许可决定文书号"] == refused["case_no"]
    revocation = by[("revocation", "revoke")]
    # 22, 23, 24, 28, 29, 30, — 国庆 10-01..07 —, 10-08.
    assert (revocation["decision_date"], revocation["due_date"]) == ("2026-09-21", "2026-10-08")
    assert revocation["record"]["行政许可决定文书号"] == revoked.json["document_number"]
    assert revocation["record"]["当前状态"] == "已注销"
    assert revocation["record"]["行政许可决定文书名称"] == "注销行政许可决定书"


def test_a_filing_decision_is_no_licensing_decision(client, api, people, year_2026, on):
    on(FRIDAY)
    code = credit_code(24)
    api.bring("filing", {"agency": agency_body(code), "filing_items": ["F01"]}, "approved",
              clerk=code)
    assert items(client, people.officer("HRM_GL")) == []


def test_overdue_items_are_marked_red_and_near_ones_yellow(client, api, people, year_2026, on,
                                                            login_as):
    on(FRIDAY)
    licensing(api, 25, "approved")
    on(D(2026, 9, 25))  # 中秋: 09-28 and 09-29 are left
    [near] = items(client, people.officer("HRM_GL"))
    assert (near["days_left"], near["deadline_flag"]) == (2, "yellow")
    on(D(2026, 10, 9))  # after 国庆: past the due date
    [late] = items(client, people.officer("HRM_GL"))
    assert late["days_left"] < 0 and late["deadline_flag"] == "red"
    page = login_as("HRM_GL", HP).get("/publicity")
    assert page.status_code == 200 and 'class="mark red"' in page.text and "已超期" in page.text
    workbench = login_as("HRM_GL", HP).get("/").text
    assert "超期 1" in workbench


def test_another_district_neither_sees_nor_publishes_the_item(client, api, people, year_2026,
                                                               on):
    on(FRIDAY)
    licensing(api, 26, "approved")
    [item] = items(client, people.officer("HRM_GL"))
    foreign = people.officer("HRM_GL", HX)
    assert items(client, foreign) == []
    assert client.post(BATCHES, json={"ids": [item["id"]]}, headers=foreign).status_code == 404
    assert client.get(EXPORT, query_string={"ids": str(item["id"])},
                      headers=foreign).status_code == 404
    # The city's officer covers every district.
    assert [i["id"] for i in items(client, people.officer("HRM_GL", "120000"))] == [item["id"]]


def test_the_export_has_the_27_fields_in_order_and_each_row_field_by_field(
        app, client, api, people, year_2026, on):
    on(FRIDAY)
    licensing(api, 27, "approved", name=EVIL)
    licensing(api, 28, "refused")
    manager = people.officer("HRM_GL")
    queued = items(client, manager)
    answer = client.get(EXPORT, query_string={"format": "xlsx"}, headers=manager)
    assert answer.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(answer.data)).active
    rows = list(ws.iter_rows())
    assert [c.value for c in rows[0]] == list(FIELDS) and len(FIELDS) == 27
    assert len(rows) == 3
    for row, item in zip(rows[1:], queued, strict=True):
        got = {field: (cell.value or "") for field, cell in zip(FIELDS, row, strict=True)}
        exported_at = got.pop("数据导出时间")
        assert dt.datetime.strptime(exported_at, "%Y-%m-%d %H:%M:%S")
        assert got == item["record"]
    evil = next(r for r in rows[1:] if r[0].value == EVIL)
    assert evil[0].data_type == "s"  # a formula-like name stays text
    code_column = FIELDS.index("统一社会信用代码")
    assert rows[1][code_column].number_format == "@"
    as_json = client.get(EXPORT, query_string={"format": "json", "ids": str(queued[1]["id"])},
                         headers=manager).json
    assert as_json["fields"] == list(FIELDS) and len(as_json["items"]) == 1
    assert as_json["items"][0]["行政相对人名称"] == queued[1]["name"]
    assert client.get(EXPORT, query_string={"format": "pdf"}, headers=manager).status_code == 422
    with app.app_context():
        exports = db.session.scalars(select(AuditEvent).where(
            AuditEvent.object_type == "publicity", AuditEvent.action == "export")).all()
        assert len(exports) == 2


def test_publishing_a_batch_is_audited_and_removes_the_items(app, client, api, people,
                                                              year_2026, on):
    on(FRIDAY)
    first, second = licensing(api, 29, "approved"), licensing(api, 30, "refused")
    manager = people.officer("HRM_GL")
    queued = [i["id"] for i in items(client, manager)]
    assert len(queued) == 2 and first and second
    assert client.post(BATCHES, json={}, headers=manager).status_code == 422
    assert client.post(BATCHES, json={"ids": ["x"]}, headers=manager).status_code == 422
    made = client.post(BATCHES, json={"ids": queued[:1]}, headers=manager)
    assert made.status_code == 201 and made.json["count"] == 1
    assert [i["id"] for i in items(client, manager)] == queued[1:]
    published = items(client, manager, status="published")
    assert [(i["id"], i["batch_id"]) for i in published] == [(queued[0], made.json["id"])]
    again = client.post(BATCHES, json={"ids": queued[:1]}, headers=manager)
    assert again.status_code == 409
    with app.app_context():
        events = [(e.object_type, e.object_id, e.action, e.from_state, e.to_state)
                  for e in db.session.scalars(select(AuditEvent).where(
                      AuditEvent.action == "publish").order_by(AuditEvent.id))]
        assert events == [("publicity_item", str(queued[0]), "publish", "pending", "published"),
                          ("publicity_batch", str(made.json["id"]), "publish", None,
                           "published")]
        item = db.session.get(PublicityItem, queued[0])
        assert item.status == "published" and item.batch_id == made.json["id"]


def test_the_page_publishes_the_ticked_items(client, api, people, year_2026, on, login_as):
    on(FRIDAY)
    licensing(api, 31, "approved")
    browser = login_as("HRM_GL", HP)
    page = browser.get("/publicity")
    assert page.status_code == 200 and "标记已公示" in page.text and "导出" in page.text
    token = csrf_token_from(page.text)
    [item] = items(client, people.officer("HRM_GL"))
    refused = browser.post("/publicity/batches", data={"csrf_token": token})
    assert refused.status_code == 422 and "请选择公示事项" in refused.text
    done = browser.post("/publicity/batches", data={"csrf_token": token, "ids": item["id"]})
    assert done.status_code == 302
    assert "已标记1项为已公示" in browser.get("/publicity").text
    assert items(client, people.officer("HRM_GL")) == []
    sheet = browser.get("/publicity/export", query_string={"ids": item["id"]})
    assert sheet.status_code == 200 and sheet.mimetype.endswith("sheet")
    posted = browser.post("/publicity/export", data={"csrf_token": token, "ids": item["id"]})
    assert posted.status_code == 200 and posted.mimetype.endswith("sheet")
    assert browser.post("/publicity/export", data={"ids": item["id"]}).status_code == 400


def test_the_answers_fit_the_openapi_document(app, client, api, people, year_2026, on):
    from jsonschema import Draft202012Validator

    from portal_plugin.web import openapi

    on(FRIDAY)
    licensing(api, 32, "approved")
    document = openapi.document(app)
    manager = people.officer("HRM_GL")

    def conforms(name: str, instance) -> None:
        root = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
        assert not [e.message for e in Draft202012Validator(root).iter_errors(instance)], name

    queue = client.get(QUEUE, headers=manager).json
    conforms("Page_PublicityItemOut_", queue)
    made = client.post(BATCHES, json={"ids": [queue["items"][0]["id"]]}, headers=manager)
    conforms("BatchOut", made.json)
    conforms("Page_PublicityItemOut_", client.get(QUEUE, query_string={"status": "published"},
                                                  headers=manager).json)
