"""Demo cases in each state of the law's clocks (DOMAIN.md "Deadlines"): in time, near
(yellow), overdue (red), extended, 视为受理, awaiting 【登记发证】 and issued — 和平区 licensing
cases submitted some working days ago, taken through the services on the demo's moved clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from portal_plugin.core.check_digits import credit_code_check_char
from portal_plugin.core.clock import local_zone, today
from portal_plugin.demo.base import agency, materials, staff, who
from workflows import calendar, engine, service
from workflows.engine import case_type

DIVISION = "120101"
# (working days ago it was submitted, what then happened, working days ago of that, label)
PLAN = (
    (17, "accept", 16, "审批临期"),
    (24, "accept", 20, "审批超期"),
    (21, "extend", 19, "已延长审批期限"),
    (7, None, 0, "视为受理（超过补正告知期限未受理）"),
    (12, "approve", 4, "待登记发证"),
    (22, "approve", 12, "登记发证超期"),
    (15, "issue", 3, "已登记发证"),
)
EXTENSION = "需对经营场所进行现场核查，经局负责人批准延长审批期限"


def working_days_ago(n: int) -> dt.date:
    """The day n working days before today (of the working calendar)."""
    work = calendar.shared()
    day = today()
    while work.working_days_between(day, today()) < n:
        day -= dt.timedelta(days=1)
    return day


@contextmanager
def on(day: dt.date) -> Iterator[None]:
    """The engine's clock at 10:00 local time of `day` (the demo's past), restored after."""
    moment = dt.datetime.combine(day, dt.time(10), local_zone()).astimezone(dt.UTC)
    real = engine.utcnow
    engine.utcnow = lambda: moment
    try:
        yield
    finally:
        engine.utcnow = real


def load(start_index: int = 200) -> int:
    """Create one case per clock state; returns how many."""
    flow = case_type("licensing")
    acceptor, reviewer = who("HRM_SL", DIVISION), who("HRM_SH", DIVISION)
    for n, (submitted, step, stepped, label) in enumerate(PLAN):
        first17 = f"91120101MC{n + 1:07d}"
        code = first17 + credit_code_check_char(first17)
        clerk = who("HRM_JG", DIVISION, code)
        body = {"agency": agency(code, DIVISION, start_index + n) | {
            "name": f"时限演示{n + 1}号（{label}）人力资源服务有限公司"},
            "license_items": ["L01", "L02"], "staff": staff(n)}
        with on(working_days_ago(submitted)):
            case = service.create(flow, clerk, body, submit=True, uploads=materials("licensing"))
        if step is None:
            continue
        with on(working_days_ago(min(submitted - 1, stepped + 2))):
            case = service.act(flow, case.id, "accept", acceptor)
        with on(working_days_ago(stepped)):
            if step == "extend":
                service.extend(flow, case.id, reviewer, {"reason": EXTENSION})
            elif step in ("approve", "issue"):
                case = service.act(flow, case.id, "approve", reviewer)
        if step == "issue":
            with on(working_days_ago(stepped - 2)):
                service.issue(flow, case.id, acceptor, {
                    "issued_on": working_days_ago(stepped - 2).isoformat(),
                    "delivery": "electronic"})
    return len(PLAN)
