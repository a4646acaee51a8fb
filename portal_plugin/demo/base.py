"""What every demo module shares: the demo clerks, districts, names and users."""


from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from flask import current_app

from portal_plugin.core import catalog
from portal_plugin.core.check_digits import credit_code_check_char
from portal_plugin.core.identity import Identity
from sso.devportal import DEMO_USERS

CLERK_HP = "91120101MA05R7XQ0P"  # the dev portal's 吴芳 (和平区)
CLERK_HX = "91120103MA06B1TN4Q"  # the dev portal's 郑涛 (河西区)
DISTRICTS = ("120101", "120103", "120104", "120116", "120102", "120111")
NAMES = ("津和", "海河英才", "渤海人力", "滨城智聘", "南开博才", "西青众联", "河东汇才", "津门猎英",
         "北方人才", "天河职通", "卫津桥", "鼓楼人力", "中环聚贤", "新港优才", "金街职介", "和谐人力",
         "泰达英博", "梅江优聘", "友谊路人才", "水上聚英", "西站联才", "东丽优服", "津南智汇", "北辰众诚")
SUFFIX = ("人力资源服务有限公司", "人力资源咨询有限公司", "企业管理咨询有限公司", "人才服务有限公司")

# Officers of districts the dev portal has no user for, by role (timelines show names).
OTHER_OFFICERS = {"HRM_SL": "马丽", "HRM_SH": "高峰", "HRM_GL": "林娜", "HRM_CX": "何军",
                  "HRM_JG": "黄蕾"}


def person(role: str, division: str, org: str | None = None) -> str:
    """The demo person who acts: the dev portal's user of that role and place, or a name."""
    for user in DEMO_USERS:
        if role in user.roles and user.division == division and (
                org is None or user.org_credit_code == org):
            return user.name
    return OTHER_OFFICERS.get(role, "张华")


def who(role: str, division: str, org: str | None = None) -> Identity:
    sso = current_app.extensions["hrm_sso"]
    return sso.identity({"sub": f"demo:{role}:{division}:{org or ''}",
                         "name": person(role, division, org),
                         "division": division, "roles": [role], "org_credit_code": org})


def credit_codes(division: str) -> Iterator[str]:
    n = 0
    while True:
        n += 1
        first17 = f"91{division}MA{n:07d}"[:17]
        yield first17 + credit_code_check_char(first17)


ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(index: int) -> str:
    """A distinct 居民身份证号码 (GB 11643 check digit) for each demo person."""
    born = dt.date(1965, 1, 1) + dt.timedelta(days=index * 97)
    first17 = f"120101{born:%Y%m%d}{index % 1000:03d}"
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def agency(code: str, division: str, index: int) -> dict[str, Any]:
    # Names repeat no earlier than after len(NAMES) × len(SUFFIX) agencies.
    suffix = SUFFIX[(index + index // len(NAMES)) % len(SUFFIX)]
    return {
        "name": NAMES[index % len(NAMES)] + suffix,
        "credit_code": code, "agency_type": ("T02", "T01", "T03", "T07")[index % 4],
        "division": division, "address": f"天津市{index + 1}号路{index * 7 % 90 + 10}号",
        "legal_rep": ("张伟", "王芳", "李强", "刘洋", "陈静", "杨帆")[index % 6],
        "legal_rep_id_type": "resident_id", "legal_rep_id_no": id_number(index),
        "contact": ("赵敏", "孙磊", "周婷")[index % 3], "phone": f"022-{23000000 + index * 137}",
    }


STAFF_NAMES = ("韩雪", "冯凯", "曹颖", "邓超群", "许晴", "彭博", "吕洁", "苏航")


def staff(index: int) -> list[dict[str, Any]]:
    """A licensing application's 专职工作人员: four people, three of them full-time."""
    return [{"name": STAFF_NAMES[(index + n) % len(STAFF_NAMES)], "id_type": "resident_id",
             "id_no": id_number(500 + index * 4 + n),
             "position": ("招聘主管", "职业指导师", "人事专员", "兼职顾问")[n], "full_time": n < 3}
            for n in range(4)]


# A one-page PDF standing in for a scanned material (the materials are told by their bytes).
DEMO_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


def materials(wf: str, procedure: str = "ordinary") -> dict[str, tuple[str, bytes]]:
    """The required materials of a workflow's procedure, as a form would upload them."""
    return {m.code: (f"{m.label}.pdf", DEMO_PDF)
            for m in catalog.materials(wf, procedure) if m.required}
