"""/api/v1/revocations: effects in one transaction, numbering, audit, refusals, jurisdiction."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from portal_plugin.core import audit
from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency, AuditEvent, License
from portal_plugin.revocations import service as revocations
from portal_plugin.revocations.models import Revocation
from tests.kit import CITY, HP, HX
from tests.revocations.conftest import body

URL = "/api/v1/revocations"


def row(app, model, ident):
    with app.app_context():
        record = db.session.get(model, ident)
        return {c.key: getattr(record, c.key) for c in model.__table__.columns}


def events(app) -> list[tuple[str, str, str | None, str | None]]:
    with app.app_context():
        return [(e.object_type, e.action, e.from_state, e.to_state) for e in db.session.scalars(
            select(AuditEvent).order_by(AuditEvent.id))]


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Revocation))


def test_revocation_deregisters_the_licence_numbered_and_audited(app, client, auth_header,
                                                                 registry):
    lic = registry["hp_license0"]
    response = client.post(URL, json=body(lic), headers=auth_header("HRM_GL", HP))
    assert response.status_code == 201, response.json
    made = response.json
    assert re.fullmatch(r"津人社许注字〔2026〕0101-1号", made["document_number"])
    assert made["license_status"] == "deregistered" and made["license_status_label"] == "已注销"
    assert made["ground"] == "R02" and made["ground_label"] == "依法终止"
    assert made["division"] == HP and made["agency"]["status"] == "valid"
    licence = row(app, License, lic)
    assert (licence["status"], licence["status_reason"], licence["status_changed_on"],
            licence["status_document_no"]) == ("deregistered", "依法终止", dt.date(2026, 1, 15),
                                               made["document_number"])
    # The agency keeps a valid licence and a filing: it stays registered.
    assert row(app, Agency, registry["hp"])["status"] == "valid"
    assert events(app) == [("revocation", "revoke", None, "recorded"),
                           ("license", "revoke", "valid", "deregistered")]
    second = client.post(URL, json=body(registry["hp_license1"], ground="R03"),
                         headers=auth_header("HRM_GL", HP)).json
    assert second["document_number"] == "津人社许注字〔2026〕0101-2号"
    assert second["license_status"] == "revoked" and second["license_status_label"] == "已撤销"


def test_agency_is_deregistered_when_nothing_valid_is_left(app, client, auth_header, registry):
    response = client.post(URL, json=body(registry["hp_single_license0"], ground="R04",
                                          document_number="津人社许注字〔2026〕99号"),
                           headers=auth_header("HRM_GL", CITY))
    assert response.status_code == 201, response.json
    assert response.json["document_number"] == "津人社许注字〔2026〕99号"
    assert response.json["license_status"] == "cancelled"
    assert response.json["agency"]["status"] == "deregistered"
    agency = row(app, Agency, registry["hp_single"])
    assert (agency["status"], agency["deregistered_on"]) == ("deregistered", dt.date(2026, 1, 15))
    assert events(app)[-1] == ("agency", "deregister", "valid", "deregistered")


def test_a_licence_cannot_be_revoked_twice(app, client, auth_header, registry):
    headers = auth_header("HRM_GL", HP)
    assert client.post(URL, json=body(registry["hp_license0"]), headers=headers).status_code == 201
    again = client.post(URL, json=body(registry["hp_license0"]), headers=headers)
    assert again.status_code == 409
    assert again.json["error"]["message"] == "该许可证已不是有效状态（已注销），不能重复注销"
    assert count(app) == 1


def test_atomic_a_failure_after_the_record_is_written_leaves_the_licence_valid(
        app, client, auth_header, registry, monkeypatch):
    calls = []

    def failing(*args, **kwargs):
        calls.append(args)
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit, "record", failing)
    failed = client.post(URL, json=body(registry["hp_single_license0"]),
                         headers=auth_header("HRM_GL", HP))
    assert failed.status_code == 500 and calls  # it failed after the record was flushed
    assert row(app, License, registry["hp_single_license0"])["status"] == "valid"
    assert row(app, Agency, registry["hp_single"])["status"] == "valid"
    assert count(app) == 0 and events(app) == []
    monkeypatch.undo()
    # Nothing was consumed: the next revocation gets number 1.
    ok = client.post(URL, json=body(registry["hp_single_license0"]),
                     headers=auth_header("HRM_GL", HP))
    assert ok.status_code == 201 and ok.json["document_number"] == "津人社许注字〔2026〕0101-1号"


def test_atomic_when_closing_the_agency_fails(app, client, auth_header, registry, monkeypatch):
    def failing(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(revocations.common, "close_agency_if_empty", failing)
    failed = client.post(URL, json=body(registry["hp_single_license0"]),
                         headers=auth_header("HRM_GL", HP))
    assert failed.status_code == 500
    assert row(app, License, registry["hp_single_license0"])["status"] == "valid"
    assert count(app) == 0 and events(app) == []


def test_foreign_district_is_404_and_never_listed(app, client, auth_header, registry):
    hx = auth_header("HRM_GL", HX)
    response = client.post(URL, json=body(registry["hp_license0"]), headers=hx)
    assert response.status_code == 404
    assert row(app, License, registry["hp_license0"])["status"] == "valid"
    assert client.post(URL, json=body(registry["hx_license0"]), headers=hx).status_code == 201
    assert client.post(URL, json=body(registry["hp_license0"]),
                       headers=auth_header("HRM_GL", HP)).status_code == 201
    listed = client.get(URL, headers=hx).json
    assert listed["total"] == 1 and listed["items"][0]["division"] == HX
    assert client.get(f"{URL}?division={HP}", headers=hx).status_code == 422
    city = client.get(URL, headers=auth_header("HRM_GL", CITY)).json
    assert city["total"] == 2
    assert client.post(URL, json=body(2**31 + 5), headers=hx).status_code == 422
    assert client.post(URL, json=body(999999), headers=hx).status_code == 404


def test_list_filters(client, auth_header, registry):
    headers = auth_header("HRM_GL", CITY)
    for key, ground, day in (("hp_license0", "R01", "2025-06-01"), ("hx_license0", "R05",
                                                                     "2026-01-10")):
        assert client.post(URL, json=body(registry[key], ground=ground, decision_date=day),
                           headers=headers).status_code == 201

    def total(query: str) -> int:
        response = client.get(f"{URL}?{query}", headers=headers)
        assert response.status_code == 200, response.json
        return response.json["total"]

    assert total("") == 2 and total("ground=R01") == 1 and total(f"division={HX}") == 1
    assert total("name=河西") == 1 and total("name=%25") == 0
    assert total("credit_code=91120103ma06b1tn4q") == 1
    assert total("decided_from=2026-01-01") == 1 and total("decided_to=2025-12-31") == 1
    license_number = client.get(URL, headers=headers).json["items"][0]["license_number"]
    assert total(f"license_number={license_number}") == 1
    for query, field in (("decided_from=2026-13-01", "decided_from"), ("ground=X", "ground"),
                         ("decided_from=2026-02-01&decided_to=2026-01-01", "decided_to"),
                         ("page=abc", "page")):
        response = client.get(f"{URL}?{query}", headers=headers)
        assert response.status_code == 422 and field in response.json["error"]["fields"], query


TOMORROW = (dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
            + dt.timedelta(days=2)).isoformat()


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"license_id": None}, "license_id", "请选择要注销的许可证"),
    ({"license_id": "abc"}, "license_id", "应为许可证的编号（正整数）"),
    ({"license_id": True}, "license_id", "应为许可证的编号（正整数）"),
    ({"license_id": -3}, "license_id", "应为许可证的编号（正整数）"),
    ({"ground": ""}, "ground", "必填"),
    ({"ground": "D01"}, "ground", "不是有效的代码"),
    ({"ground": 5}, "ground", "应为文本"),
    ({"decision_date": None}, "decision_date", "必填"),
    ({"decision_date": "2026/01/15"}, "decision_date", "日期格式应为 YYYY-MM-DD"),
    ({"decision_date": TOMORROW}, "decision_date", "决定日期不能晚于今天"),
    ({"decision_date": "2020-01-01"}, "decision_date", "决定日期不能早于许可证发证日期（2024-03-01）"),
    ({"document_number": "号" * 61}, "document_number", "不能超过60个字"),
    ({"remarks": "a\x00b"}, "remarks", "包含不允许的控制字符"),
    ({"remarks": "备" * 501}, "remarks", "不能超过500个字"),
])
def test_bad_input_is_422_naming_the_field(app, client, auth_header, registry, overrides, field,
                                           message):
    response = client.post(URL, json={**body(registry["hp_license0"]), **overrides},
                           headers=auth_header("HRM_GL", HP))
    assert response.status_code == 422, response.json
    assert response.json["error"]["fields"][field] == message
    assert count(app) == 0
    assert row(app, License, registry["hp_license0"])["status"] == "valid"


def test_malformed_bodies(client, auth_header, registry):
    headers = auth_header("HRM_GL", HP)
    assert client.post(URL, data="{", headers={**headers, "Content-Type": "application/json"}
                       ).status_code == 400
    assert client.post(URL, json=[1], headers=headers).status_code == 422
    every = client.post(URL, json={}, headers=headers)
    assert every.status_code == 422
    assert set(every.json["error"]["fields"]) == {"license_id", "ground", "decision_date"}


def test_demo_data_has_revocations(runner, client, auth_header):
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    listed = client.get(URL, headers=auth_header("HRM_GL", CITY)).json
    assert listed["total"] == 2
    by_ground = {item["ground"]: item for item in listed["items"]}
    assert by_ground["R04"]["license_status"] == "cancelled"
    assert by_ground["R04"]["agency"]["status"] == "valid"  # it keeps its filing
    assert by_ground["R02"]["license_status"] == "deregistered"
    assert by_ground["R02"]["agency"]["status"] == "deregistered"
    assert all(item["document_number"].startswith("津人社许注字") for item in listed["items"])
