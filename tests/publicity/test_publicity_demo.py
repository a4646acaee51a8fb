"""The demo data's 双公示 queue: decisions waiting (one overdue) and one published batch; the
public list shows the demo registry without its personal data."""

from __future__ import annotations

from sqlalchemy import select

from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency
from tests.kit import CITY

QUEUE = "/api/v1/publicity/queue"


def test_demo_data_has_a_queue_with_an_overdue_item_and_a_published_batch(app, runner, client,
                                                                         auth_header):
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    manager = auth_header("HRM_GL", CITY)
    pending = client.get(QUEUE, query_string={"per_page": 100}, headers=manager).json["items"]
    assert len(pending) >= 3
    assert any(item["deadline_flag"] == "red" for item in pending)
    published = client.get(QUEUE, query_string={"status": "published"}, headers=manager).json
    assert published["total"] == 2 and len({i["batch_id"] for i in published["items"]}) == 1
    assert runner.invoke(args=["demo-data"]).exit_code == 0  # idempotent
    assert client.get(QUEUE, query_string={"status": "published"},
                      headers=manager).json["total"] == 2
    listed = client.get("/public/agencies.json", query_string={"per_page": 100}).json
    assert listed["total"] >= 3
    with app.app_context():
        secrets = {v for a in db.session.scalars(select(Agency))
                   for v in (a.legal_rep_id_no, a.phone, a.contact) if v}
    body = client.get("/public/agencies", query_string={"per_page": 100}).text
    assert secrets and not [s for s in secrets if s in body]
