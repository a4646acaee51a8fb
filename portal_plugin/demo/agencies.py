"""Demo 机构管理 data: agencies a 业务管理岗 entered (录入) directly, one of them edited since."""

from __future__ import annotations

from portal_plugin.agencies import service as agencies
from portal_plugin.core.check_digits import credit_code_check_char
from portal_plugin.demo import base as demo

FIRST_SERIAL = 800_000  # apart from the demo's other credit code series
# (district, name, agency type, registered capital in 万元, staff)
ENTERED = (
    ("120101", "津和融智人力资源服务有限公司", "T02", "300.00", 26),
    ("120103", "河西公共就业和人才服务中心", "T08", None, 41),
)


def load() -> int:
    """Enter two agencies as the districts' 业务管理岗 and edit the first; returns how many."""
    made = []
    for number, (division, name, kind, capital, staff) in enumerate(ENTERED, start=1):
        first17 = f"91{division}MA{FIRST_SERIAL + number:07d}"[:17]
        body = demo.agency(first17 + credit_code_check_char(first17), division, number)
        made.append(agencies.create(demo.who("HRM_GL", division), {
            **body, "name": name, "agency_type": kind, "business_address": body["address"],
            "founded_on": f"201{number}-0{number + 2}-15", "registered_capital": capital,
            "business_scope": "人力资源供求信息的收集和发布；人力资源管理咨询；人力资源培训",
            "staff_count": staff}))
    first = made[0]
    agencies.update(demo.who("HRM_GL", first.division_code), first.id, {
        "address": "天津市和平区南京路188号", "phone": "022-27001188", "staff_count": 32})
    return len(made)
