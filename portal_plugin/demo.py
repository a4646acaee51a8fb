"""Demo data for `make run`: agencies across districts, cases in every state, job fairs, reports.

Everything goes through the same services as real use (validation, engine, numbering, audit),
acting as the dev portal's demo users, so the demo registry is consistent by construction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from portal_plugin import agencies_demo, annual_reports_demo, job_fairs, revocations, statistics_demo
from portal_plugin.extensions import db
from portal_plugin.history import demo as history_demo
from portal_plugin.models import Agency, Filing, License
from portal_plugin.validators import credit_code_check_char
from sso.identity import Identity
from workflows import service
from workflows.engine import OPEN_STATUSES, case_type
from workflows.models import Case

CLERK_HP = "91120101MA05R7XQ0P"  # the dev portal's 吴芳 (和平区)
CLERK_HX = "91120103MA06B1TN4Q"  # the dev portal's 郑涛 (河西区)
DISTRICTS = ("120101", "120103", "120104", "120116", "120102", "120111")
NAMES = ("津和", "海河英才", "渤海人力", "滨城智聘", "南开博才", "西青众联", "河东汇才", "津门猎英",
         "北方人才", "天河职通", "卫津桥", "鼓楼人力", "中环聚贤", "新港优才", "金街职介", "和谐人力",
         "泰达英博", "梅江优聘", "友谊路人才", "水上聚英", "西站联才", "东丽优服", "津南智汇", "北辰众诚")
SUFFIX = ("人力资源服务有限公司", "人力资源咨询有限公司", "企业管理咨询有限公司", "人才服务有限公司")
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


def who(role: str, division: str, org: str | None = None) -> Identity:
    sso = current_app.extensions["hrm_sso"]
    return sso.identity({"sub": f"demo:{role}:{division}:{org or ''}", "name": f"演示{role}",
                         "division": division, "roles": [role], "org_credit_code": org})


def credit_codes(division: str) -> Iterator[str]:
    n = 0
    while True:
        n += 1
        first17 = f"91{division}MA{n:07d}"[:17]
        yield first17 + credit_code_check_char(first17)


def agency(code: str, division: str, index: int) -> dict[str, Any]:
    return {
        "name": NAMES[index % len(NAMES)] + SUFFIX[index % len(SUFFIX)],
        "credit_code": code, "agency_type": ("T02", "T01", "T03", "T07")[index % 4],
        "division": division, "address": f"天津市{index + 1}号路{index * 7 % 90 + 10}号",
        "legal_rep": ("张伟", "王芳", "李强", "刘洋", "陈静", "杨帆")[index % 6],
        "legal_rep_id_type": "resident_id", "legal_rep_id_no": "11010519491231002X",
        "contact": ("赵敏", "孙磊", "周婷")[index % 3], "phone": f"022-{23000000 + index * 137}",
    }


def bring(wf: str, body: dict[str, Any], state: str, code: str, division: str) -> Case:
    """Carry a case from creation to `state`, each step by the right demo user."""
    flow = case_type(wf)
    clerk = who("HRM_JG", division, code)
    case = service.create(flow, clerk, body)
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
        bring("licensing", {"agency": agency(code, division, index),
                            "license_items": ["L01", "L02", "L03"][: 1 + index % 3]},
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
    made += statistics_demo.load()
    register_job_fairs()
    made += annual_reports_demo.load(who)
    register_revocations()
    made += agencies_demo.load()
    made += history_demo.load(who("HRM_GL", "120000"))
    return made


# 现场招聘会: (clerk, venue district, name, kind, days from today, visitors).
JOB_FAIRS = (
    (CLERK_HP, "120101", "和平区春风行动专场招聘会", "J04", 7, 800),
    (CLERK_HP, "120103", "津城高校毕业生就业双选会", "J03", 14, 3000),
    (CLERK_HX, "120103", "河西区退役军人专场招聘会", "J05", 3, 400),
    (CLERK_HX, "120104", "南开区综合类人才交流大会", "J01", -20, 1500),
    (CLERK_HX, "120116", "滨海新区先进制造业专场招聘会", "J02", 30, 600),
)


def register_job_fairs() -> None:
    """A few job fairs in several districts, registered by the two demo clerks."""
    today = service.today()
    for number, (code, division, name, kind, days, visitors) in enumerate(JOB_FAIRS):
        day = today + dt.timedelta(days=days)
        job_fairs.register(who("HRM_JG", division, code), {
            "name": name, "kind": kind, "organizer": "天津市人力资源服务协会",
            "co_organizer": None, "start_at": f"{day}T09:00", "end_at": f"{day}T16:30",
            "venue": ("天津人才市场", "梅江会展中心", "南开区体育馆", "滨海新区人才大厦")[number % 4],
            "venue_address": f"天津市{number + 1}号路{number * 11 + 5}号", "division": division,
            "booths": visitors // 10, "expected_employers": visitors // 12,
            "expected_positions": visitors * 2, "expected_visitors": visitors,
            "safety_officer": ("王强", "刘敏")[number % 2], "safety_phone": "022-23456789",
            "contact": ("赵敏", "孙磊")[number % 2], "contact_phone": f"1381234{5670 + number}",
            "police_permit_no": f"津公(治)许字[{day.year}]第{number + 10:03d}号"
            if visitors >= job_fairs.POLICE_PERMIT_FROM else None,
        })


def register_revocations() -> None:
    """Two 注销单位行政许可 by the city's 业务管理岗: 被吊销 for an applicant that keeps its filing,
    and 依法终止 for an entered agency's only licence, which deregisters the agency too."""
    officer = who("HRM_GL", "120000")
    today = service.today()
    filing = aliased(Filing)
    keeps_filing = db.session.scalar(
        select(License.id).join(Agency, License.agency_id == Agency.id).where(
            License.status == "valid", Agency.source == "application",
            select(filing.id).where(filing.agency_id == Agency.id,
                                    filing.status == "valid").exists(),
            ~select(Case.id).where(Case.credit_code == Agency.credit_code,
                                   Case.status.in_(OPEN_STATUSES)).exists())
        .order_by(License.id.desc()).limit(1))
    only_licence = db.session.scalar(
        select(License.id).join(Agency, License.agency_id == Agency.id).where(
            License.status == "valid", Agency.source == "entry",
            ~select(Filing.id).where(Filing.agency_id == Agency.id).exists())
        .order_by(License.id).limit(1))
    for license_id, ground, day, remarks in (
            (keeps_filing, "R04", today, "违法从事职业中介活动，依法吊销许可证"),
            (only_licence, "R02", today - dt.timedelta(days=30), "机构已办理工商注销登记")):
        if license_id is not None:
            revocations.revoke(officer, {"license_id": license_id, "ground": ground,
                                         "decision_date": day.isoformat(), "remarks": remarks})
