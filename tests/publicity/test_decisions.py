"""Each licensing decision of the engine enters the 双公示 queue with its own document name:
change approve / refuse, deregistration approve / refuse (a rolled-back decision leaves none)."""

from __future__ import annotations

import pytest

from portal_plugin.core.extensions import db
from tests.kit import CLERK_CODE
from tests.workflows.conftest import bodies, case_in, registered  # noqa: F401 - fixtures
from workflows.publicity import PUBLISHED, PublicityItem


def queued(client, people) -> list[dict]:
    answer = client.get("/api/v1/publicity/queue", query_string={"per_page": 100},
                        headers=people.officer("HRM_GL"))
    return answer.json["items"]


@pytest.mark.parametrize(("wf", "state", "document", "status"), [
    ("change", "approved", "准予变更行政许可决定书", "有效"),
    ("change", "refused", "不予变更行政许可决定书", "有效"),
    ("deregistration", "approved", "准予注销行政许可决定书", "已注销"),
    ("deregistration", "refused", "不予注销行政许可决定书", "不予注销"),
])
def test_a_decision_of_each_workflow_is_queued(client, people, case_in, wf, state,  # noqa: F811
                                               document, status):
    case, _ = case_in(wf, state)
    items = [i for i in queued(client, people) if i["source_id"] == case["id"]]
    [item] = items
    record = item["record"]
    assert record["行政许可决定文书名称"] == document and record["当前状态"] == status
    assert record["统一社会信用代码"] == CLERK_CODE and record["许可编号"]
    assert record["法定代表人身份证号"] == "" and record["证件号码"] == ""
    if (wf, state) == ("change", "approved"):
        assert record["行政相对人名称"] == "新名称人力资源有限公司"
        assert record["备注"].startswith("变更事项：")
    if (wf, state) == ("deregistration", "approved"):
        assert record["行政许可决定文书号"] == case["result"]["document_number"]


def test_the_hook_table_is_keyed_by_workflow_name():
    assert {"licensing", "change", "deregistration", "renewal"} <= set(PUBLISHED)
    assert "filing" not in PUBLISHED and "branch" not in PUBLISHED


def test_a_refused_transition_leaves_nothing_in_the_queue(app, client, people, case_in):  # noqa: F811
    case, _ = case_in("licensing", "pending_review")
    stale = client.post(f"/api/v1/cases/licensing/{case['id']}/approve", json={"version": 0},
                        headers=people.officer("HRM_SH"))
    assert stale.status_code == 409
    with app.app_context():
        assert db.session.query(PublicityItem).count() == 0
