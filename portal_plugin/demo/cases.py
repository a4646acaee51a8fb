"""Demo cases: agencies registered through the workflows, and a case in every state of each."""


from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from portal_plugin.core.extensions import db
from portal_plugin.demo.base import (
    CLERK_HP,
    CLERK_HX,
    DISTRICTS,
    agency,
    credit_codes,
    materials,
    staff,
    who,
)
from workflows import service
from workflows.engine import case_type
from workflows.models import Case

PATHS = {
    "draft": (), "submitted": ("submit",), "returned": ("submit", "return"),
    "rejected": ("submit", "reject"), "pending_review": ("submit", "accept"),
    "approved": ("submit", "accept", "approve"), "refused": ("submit", "accept", "refuse"),
}
REASONS = {"return": "请补充营业执照副本及经营场所证明材料后重新提交",
           "reject": "申请材料与实际经营情况不符，本次申请不予受理",
           "refuse": "经核查，不符合《人力资源服务机构管理规定》规定的许可条件"}
# Who holds the demo clerks' agencies' cases: 吴芳 has one returned change to fix and resubmit.
STATES = ("returned", "submitted", "pending_review", "approved", "draft", "rejected", "refused")



def bring(wf: str, body: dict[str, Any], state: str, code: str, division: str) -> Case:
    """Carry a case from creation to `state`, each step by the right demo user."""
    flow = case_type(wf)
    clerk = who("HRM_JG", division, code)
    if wf == "licensing":
        body = {"staff": staff(len(body["agency"]["name"])), **body}
    case = service.create(flow, clerk, body, uploads=materials(wf, body.get("procedure") or "ordinary"))
    for action in PATHS[state]:
        actor = clerk if action == "submit" else who(
            "HRM_SL" if action in ("accept", "return", "reject") else "HRM_SH", division)
        case = service.act(flow, case.id, action, actor, {"reason": REASONS.get(action)})
    return case


def load() -> int:
    """Create the demo data unless cases exist already; returns the number of cases made."""
    if db.session.scalar(select(func.count()).select_from(Case)):
        return 0
    made = 0
    index = 0
    codes = {d: credit_codes(d) for d in DISTRICTS}

    def register(code: str, division: str) -> None:
        nonlocal index, made
        # The demo clerks' agencies may hold job fairs (组织开展现场招聘会 is a licensed item).
        items = (["L01", "L02", "L03"] if code in (CLERK_HP, CLERK_HX)
                 else ["L01", "L02", "L03"][: 1 + index % 3])
        bring("licensing", {"agency": agency(code, division, index), "license_items": items},
              "approved", code, division)
        bring("filing", {"agency": agency(code, division, index),
                         "filing_items": ["F01", "F03", "F05"][: 1 + index % 3]},
              "approved", code, division)
        index += 1
        made += 2

    # Registered agencies: the two demo clerks' and twelve more across the districts.
    registered = [(CLERK_HP, "120101"), (CLERK_HX, "120103")]
    registered += [(next(codes[d]), d) for d in DISTRICTS for _ in range(2)]
    for code, division in registered:
        register(code, division)

    # Every state of every workflow.
    for number, state in enumerate(STATES):
        # Work waiting for the demo officers of 和平区 and 河西区; the rest spread out.
        divisions = (("120101", "120103") if state in ("submitted", "pending_review")
                     else (DISTRICTS[number % len(DISTRICTS)],))
        for division in divisions:
            for wf, items in (("licensing", ["L01", "L02"]), ("filing", ["F01", "F02"])):
                code = next(codes[division])
                key = "license_items" if wf == "licensing" else "filing_items"
                bring(wf, {"agency": agency(code, division, index), key: items}, state, code,
                      division)
                index += 1
                made += 1
        code, home = registered[number]
        bring("change", {"changes": {"address": f"天津市新址路{number + 1}号",
                                     "legal_rep": "新任代表"}}, state, code, home)
        branch_division = DISTRICTS[(number + 2) % len(DISTRICTS)]
        branch_code = next(codes[branch_division])
        bring("branch", {"branch": agency(branch_code, branch_division, index)
                         | {"name": agency(code, home, number)["name"].replace("有限公司", "分公司")}},
              state, code, branch_division)
        dereg_code, dereg_home = registered[number + len(STATES)]
        license_id = db.session.scalar(
            select(Case.result["license_id"].as_integer()).where(
                Case.workflow == "licensing", Case.credit_code == dereg_code,
                Case.status == "approved"))
        bring("deregistration", {"targets": [{"kind": "license", "id": license_id}],
                                 "ground": "D01"}, state, dereg_code, dereg_home)
        index += 1
        made += 3
    return made
