"""Demo job fairs (现场招聘会) of the two demo clerks."""


from __future__ import annotations

import datetime as dt

from portal_plugin.core import clock
from portal_plugin.demo.base import CLERK_HP, CLERK_HX, who
from portal_plugin.job_fairs import service as job_fairs
from portal_plugin.job_fairs.schemas import POLICE_PERMIT_FROM

# 现场招聘会: (clerk, venue district, name, kind, days from today, days held, visitors, permit
# entered). The two-day 双选会 has 1500 visitors a session and no permit yet: 待补安全许可.
JOB_FAIRS = (
    (CLERK_HP, "120101", "和平区春风行动专场招聘会", "J04", 7, 1, 800, True),
    (CLERK_HP, "120101", "和平区高校毕业生就业双选会", "J03", 14, 2, 3000, False),
    (CLERK_HX, "120103", "河西区退役军人专场招聘会", "J05", 3, 1, 400, True),
    (CLERK_HX, "120103", "河西区综合类人才交流大会", "J01", -20, 1, 1500, True),
    (CLERK_HX, "120103", "河西区先进制造业专场招聘会", "J02", 30, 3, 2400, True),
)
# Each organiser holds its fairs at venues of its own district: (venue, address).
VENUES = {"120101": (("天津人才市场和平分市场", "天津市和平区南京路189号"),
                     ("和平区文化中心", "天津市和平区西康路35号")),
          "120103": (("梅江会展中心", "天津市河西区友谊南路66号"),
                     ("河西区人力资源市场", "天津市河西区解放南路256号"))}


def load() -> None:
    """A few job fairs, each in its organiser's own district, registered by the demo clerks."""
    today = clock.today()
    for number, (code, division, name, kind, days, held, visitors, permit) in enumerate(JOB_FAIRS):
        day = today + dt.timedelta(days=days)
        last = day + dt.timedelta(days=held - 1)
        job_fairs.register(who("HRM_JG", division, code), {
            "name": name, "kind": kind, "organizer": "天津市人力资源服务协会",
            "co_organizer": None, "start_at": f"{day}T09:00", "end_at": f"{last}T16:30",
            "venue": VENUES[division][number % 2][0],
            "venue_address": VENUES[division][number % 2][1], "division": division,
            "booths": visitors // 10, "expected_employers": visitors // 12,
            "expected_positions": visitors * 2, "expected_visitors": visitors,
            "safety_officer": ("王强", "刘敏")[number % 2], "safety_phone": "022-23456789",
            "contact": ("赵敏", "孙磊")[number % 2], "contact_phone": f"1381234{5670 + number}",
            "police_permit_no": f"津公(治)许字[{day.year}]第{number + 10:03d}号"
            if permit and -(-visitors // held) >= POLICE_PERMIT_FROM else None,
        })
