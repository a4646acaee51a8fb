"""A realistic PostgreSQL database for the load benchmark: agencies, licences, filings, cases.

Run from the project root (it DROPS and re-creates the named database):

    .venv/bin/python bench/generate.py --database-url postgresql:///hrm_bench \\
        --agencies 100000 --cases 1000000

Stages, each timed:

1. drop + create the database (through the server's `postgres` maintenance database);
2. `flask_migrate.upgrade()` and the seed exactly as `flask seed` / tests/conftest.py do
   (divisions, code catalogue), plus the holiday calendar of every year the cases span;
3. generate the rows in Python and load them with COPY (psycopg 3 `cursor.copy`) in one
   transaction: the tables are TRUNCATEd first so COPY ... FREEZE can write them already
   frozen and all-visible (this server runs with autovacuum off; a database that has been
   in service for years is vacuumed, so index-only scans are what production would see);
   secondary indexes are dropped for the load and re-created from their own definitions
   (pg_get_indexdef), and foreign keys are not checked row by row (session_replication_role
   = replica) but verified afterwards with one anti-join per foreign key;
4. sequences, the number counters (so the app continues every series without a clash),
   VACUUM (ANALYZE), and the table sizes.

What the data looks like:

* agencies across the 16 Tianjin districts, weighted (滨海新区, 和平区, 河西区, 南开区
  heaviest), with valid 统一社会信用代码 (GB 32100 check character, organisation-code check
  character too) and 居民身份证号码 (GB 11643), names built from word lists
  (天津 + 字号 + 人力资源服务有限公司 …), addresses on real Tianjin roads, 4 % branches;
* licences for ~60 % and filings for ~70 % of them, numbered in the real formats
  (（津）人服证字〔2024〕第01010153号, 津人社许准字〔2024〕153号, 津人服备字〔2024〕第01160042号);
* cases over the five workflows (licensing 35 %, filing 35 %, change 15 %, branch 5 %,
  deregistration 10 %) created 2019 → today (growing year on year, working hours of working
  days); 86 % approved, refused 2 %, rejected 2.5 %, returned 1.5 %, submitted 2.5 %,
  pending_review 2.5 %, draft 3 % — open cases are recent (a few weeks, with a tail of stale
  ones so some are overdue); case_no in the engine's format (XK1201012024031500012), set at the
  first submission; deadlines as the engine sets them (working days of the real calendar);
  version as the state machine counts it; payloads shaped like the real validators' output and
  stored as the app stores them (json.dumps, ASCII escapes); results with the issued numbers;
* audit events (the 流转记录) for --audit-share of the cases, one per transition.

The registry is not a replay of every case (350,000 licensing applications cannot all have
produced a licence for 100,000 agencies): an agency's licence (filing) is the one its latest
approved licensing (filing) case issued, or an imported pre-2019 one; other approved cases
keep their issued numbers in `result` only. Every id a case or result names exists.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import random
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from portal_plugin import create_app
from portal_plugin.core.check_digits import (
    CREDIT_CHARSET,
    credit_code_check_char,
    credit_code_problem,
    id_number_problem,
)
from portal_plugin.core.config import DEFAULTS
from portal_plugin.core.extensions import db
from portal_plugin.core.seed import load_catalog, load_divisions
from workflows import calendar as wcal
from workflows import service  # noqa: F401  (registers the five case types)
from workflows.engine import CASE_TYPES
from workflows.numbering import DEFAULT_FORMATS

DATA_TABLES = ("agencies", "licenses", "filings", "cases", "audit_events", "counters")
LOCAL = 8 * 3600  # the bureau's UTC offset (portal_plugin.core.clock.local_zone)
DAY = 86400.0
FIRST_YEAR = 2019
IMPORTED_AT = dt.datetime(2019, 3, 18, 2, tzinfo=dt.UTC).timestamp()

# --- reference vocabulary -------------------------------------------------------------------

DISTRICTS: dict[str, tuple[str, int, tuple[str, ...]]] = {
    # code: (name, weight %, roads)
    "120101": ("和平区", 11, ("南京路", "营口道", "滨江道", "成都道", "大沽北路", "西康路",
                            "重庆道")),
    "120102": ("河东区", 5, ("十一经路", "津塘路", "大直沽八号路", "六纬路", "卫国道", "华昌大街")),
    "120103": ("河西区", 11, ("友谊路", "解放南路", "围堤道", "黑牛城道", "大沽南路", "紫金山路", "洞庭路")),
    "120104": ("南开区", 10, ("卫津路", "红旗路", "鞍山西道", "长江道", "复康路", "白堤路", "华苑路")),
    "120105": ("河北区", 5, ("中山路", "金纬路", "建国道", "狮子林大街", "昆纬路", "王串场路")),
    "120106": ("红桥区", 3, ("咸阳北路", "芥园道", "丁字沽一号路", "西青道", "光荣道")),
    "120110": ("东丽区", 5, ("津塘公路", "先锋东路", "跃进路", "东金路", "航双路")),
    "120111": ("西青区", 6, ("中北大道", "张家窝工业园路", "海泰发展四道", "杨柳青大街", "赛达大道")),
    "120112": ("津南区", 4, ("津沽公路", "咸水沽南环路", "海河教育园区雅观路", "辛庄镇福源道")),
    "120113": ("北辰区", 5, ("京津路", "北辰道", "龙洲道", "宜兴埠京津公路", "双街新家园路")),
    "120114": ("武清区", 5, ("京津公路", "雍阳西道", "泉兴路", "和畅路", "翠亨路")),
    "120115": ("宝坻区", 3, ("南关大街", "广川路", "宝平公路", "开元路")),
    "120116": ("滨海新区", 20, ("第二大街", "新港二号路", "黄海路", "洞庭北路", "响螺湾迎宾大道",
                               "中新生态城和畅路", "塘沽新华路", "汉沽新开中路", "大港世纪大道",
                               "第三大街")),
    "120117": ("宁河区", 2, ("芦台镇光明路", "潘庄镇兴安路", "宁河经济开发区九园公路")),
    "120118": ("静海区", 3, ("静海镇胜利大街", "团泊大道", "子牙环保产业园路")),
    "120119": ("蓟州区", 2, ("渔阳北路", "人民西大街", "迎宾大街", "兴华大街")),
}
DIVISION_CODES = tuple(DISTRICTS)
DIVISION_WEIGHTS = tuple(v[1] for v in DISTRICTS.values())

SURNAMES = ("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
            "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史"
            "顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文")
GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉宁鹏飞斌波宇浩凯健俊帆"
         "帅旭晨晓欣雪琳婷慧佳颖博志海东丹阳光亮林峰成荣新春梅兰凤云晶莉倩瑞嘉子梓涵轩怡思雨"
         "一诚泽楠鑫磊昊然")
BRAND_A = "英才聚贤智联众诚汇博海河津渤泰达鑫瑞华信德恒宏远盛嘉卓越优选通职仁和安康锦程启航金"
BRAND_B = "才聘英贤联汇诚达信邦业盛恒源途帆航程瑞祥泰通誉凯辰宇鼎创合力众博"
BRAND_WORDS = ("海河英才", "渤海", "滨城智聘", "南开博才", "西青众联", "河东汇才", "津门猎英",
               "北方", "天河职通", "卫津桥", "鼓楼", "中环聚贤", "新港优才", "金街职介",
               "泰达英博", "梅江优聘", "友谊路", "水上聚英", "西站联才", "五大道", "意风区",
               "津湾", "于家堡", "空港", "临港", "东疆", "中新", "京津", "环渤海", "北洋")
TRADES = ("人力", "人才", "职业", "猎头", "招聘")  # only before 信息技术有限公司
SUFFIXES = (("人力资源服务有限公司", 40), ("人力资源咨询有限公司", 10), ("企业管理咨询有限公司", 10),
            ("人才服务有限公司", 8), ("劳务服务有限公司", 6), ("人力资源开发有限公司", 8),
            ("人力资源管理有限公司", 8), ("信息技术有限公司", 4), ("职业介绍服务中心", 3),
            ("人才市场有限公司", 3))
BUILDINGS = ("国际大厦", "金融街中心", "环球置地广场", "现代城", "信达广场", "天津中心", "创智大厦",
             "科技园", "万达广场", "海泰大厦", "泰达MSD", "港湾中心", "汇金中心", "富力中心")
SCOPE = ("职业中介活动", "人力资源服务（不含职业中介活动、劳务派遣服务）", "劳务派遣服务",
         "企业管理咨询", "信息咨询服务（不含许可类信息咨询服务）", "劳务服务（不含劳务派遣）",
         "业务培训（不含教育培训、职业技能培训等需取得许可的培训）", "软件开发", "会议及展览服务",
         "人力资源外包服务", "招聘信息发布", "薪酬福利管理咨询", "人才测评", "组织开展招聘会")
AGENCY_TYPES = (("T02", 72.0), ("T01", 8.0), ("T03", 3.0), ("T04", 2.0), ("T05", 0.3),
                ("T06", 0.7), ("T07", 6.0), ("T08", 1.0))
LICENSE_ITEMS = ("L01", "L02", "L03", "L04", "L05")
FILING_ITEMS = ("F01", "F02", "F03", "F04", "F05", "F06", "F07")
GROUNDS = (("D01", "机构主动申请注销", 55), ("D02", "机构依法终止", 20), ("D03", "不再从事相关业务", 15),
           ("D04", "分立、合并", 5), ("D05", "其他", 5))
ID_AREAS = tuple(DISTRICTS) * 6 + ("130102", "130603", "370102", "110105", "210202", "410105",
                                   "320102", "130984", "140105", "230103")

WORKFLOWS = (("licensing", 35), ("filing", 35), ("change", 15), ("branch", 5),
             ("deregistration", 10))
STATUSES = (("approved", 86.0), ("refused", 2.0), ("rejected", 2.5), ("returned", 1.5),
            ("submitted", 2.5), ("pending_review", 2.5), ("draft", 3.0))
YEAR_WEIGHTS = {2019: 8, 2020: 8, 2021: 11, 2022: 11, 2023: 13, 2024: 15, 2025: 17, 2026: 17}
REASONS = {
    "return": ("请补充营业执照副本及经营场所证明材料后重新提交", "法定代表人身份证明材料不清晰，请重新上传",
               "经营场所租赁合同已过期，请补充有效证明", "申请表缺少单位公章，请补正后提交"),
    "reject": ("申请材料与实际经营情况不符，本次申请不予受理", "申请事项不属于本机关职权范围",
               "申请人不具备申请资格"),
    "refuse": ("经核查，不符合《人力资源服务机构管理规定》规定的许可条件",
               "经实地核查，经营场所与申报不符", "专职工作人员数量不符合规定条件"),
}
ACTION_DATA_KEYS = ("workflow", "case_no")

# --- small helpers --------------------------------------------------------------------------


def weighted(pairs: Iterable[tuple[Any, float]]) -> tuple[list[Any], list[float]]:
    values, cum, total = [], [], 0.0
    for value, weight in pairs:
        total += weight
        values.append(value)
        cum.append(total)
    return values, cum


def copy_text(value: Any) -> str:
    """One field of COPY's text format (NULL as \\N; backslashes doubled, JSON's \\u escapes)."""
    if value is None:
        return "\\N"
    text = value if isinstance(value, str) else str(value)
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if "\t" in text or "\n" in text or "\r" in text:  # never produced, kept honest
        text = text.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def line(*fields: Any) -> str:
    return "\t".join(copy_text(f) for f in fields) + "\n"


def stamp(ts: float) -> str:
    """An epoch second as a timestamptz literal in the bureau's local time."""
    return time.strftime("%Y-%m-%d %H:%M:%S+08", time.gmtime(ts + LOCAL))


def local_date(ts: float) -> dt.date:
    y, m, d = time.gmtime(ts + LOCAL)[:3]
    return dt.date(y, m, d)


def add_years(day: dt.date, years: int) -> dt.date:
    """workflows.common.add_years: the day before the same date `years` later."""
    try:
        end = day.replace(year=day.year + years)
    except ValueError:
        end = day.replace(year=day.year + years, day=28)
    return end - dt.timedelta(days=1)


def to_base(value: int, digits: int, alphabet: str) -> str:
    out = []
    for _ in range(digits):
        value, rest = divmod(value, len(alphabet))
        out.append(alphabet[rest])
    return "".join(reversed(out))


ORG_VALUES = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def org_code_check(first8: str) -> str:
    """The check character of a 组织机构代码 (GB 11714), the 9th character of the body."""
    rest = 11 - sum(ORG_VALUES[c] * w for c, w in zip(first8, ORG_WEIGHTS, strict=True)) % 11
    return "X" if rest == 10 else "0" if rest == 11 else str(rest)


ID_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]


def id_number(rng: random.Random, area: str) -> str:
    born = dt.date(1955, 1, 1) + dt.timedelta(days=rng.randrange(0, 16000))
    first17 = f"{area}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS,
                                                                       strict=True)) % 11]


class Numbers:
    """The app's gap-free series (workflows.numbering) replayed in memory, kept for `counters`."""

    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def next(self, series: str) -> int:
        value = self.values.get(series, 0) + 1
        self.values[series] = value
        return value

    def issue(self, kind: str, division: str, on: dt.date) -> str:
        seq = self.next(f"{kind}:{on.year}:{division}")
        return DEFAULT_FORMATS[kind].format(year=on.year, district=division[2:],
                                            division=division, seq=seq)

    def case_number(self, kind_code: str, division: str, on: dt.date) -> str:
        seq = self.next(f"case:{kind_code}:{division}:{on:%Y%m%d}")
        return DEFAULT_FORMATS["case"].format(kind=kind_code, division=division, date=on, seq=seq)


class Timer:
    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.stages: list[tuple[str, float]] = []
        self._last = self.start

    def done(self, label: str, note: str = "") -> None:
        now = time.perf_counter()
        self.stages.append((label, now - self._last))
        print(f"  {label:<44} {now - self._last:7.1f} s{('   ' + note) if note else ''}",
              flush=True)
        self._last = now


# --- agencies -------------------------------------------------------------------------------


class People:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def name(self) -> str:
        rng = self.rng
        given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
        return rng.choice(SURNAMES) + given


class AgencyFactory:
    """Agencies as the registry holds them, and as an application's agency object."""

    def __init__(self, rng: random.Random, today: dt.date) -> None:
        self.rng = rng
        self.today = today
        self.people = People(rng)
        self.types, self.type_cum = weighted(AGENCY_TYPES)
        self.suffixes, self.suffix_cum = weighted(SUFFIXES)
        self.used_codes: set[str] = set()
        self.serial = 0
        # A bijection of 0..31^6-1 so the organisation-code bodies look scattered, not counted.
        self.space = len(CREDIT_CHARSET) ** 6

    def credit_code(self, division: str, agency_type: str) -> str:
        rng = self.rng
        while True:
            self.serial += 1
            mixed = (self.serial * 387_420_489 + 12_345_678) % self.space
            prefix = {"T07": "52", "T08": "12"}.get(agency_type, "91")
            if rng.random() < 0.75:  # codes issued since 2015: MA + 6 characters
                first8 = "MA" + to_base(mixed, 6, CREDIT_CHARSET)
            else:  # older 组织机构代码 turned into credit codes
                first8 = f"{mixed % 100_000_000:08d}"
            body = first8 + org_code_check(first8)
            first17 = f"{prefix}{division}{body}"
            code = first17 + credit_code_check_char(first17)
            if code not in self.used_codes:
                self.used_codes.add(code)
                return code

    def company_name(self, division: str) -> str:
        rng = self.rng
        brand = (rng.choice(BRAND_WORDS) if rng.random() < 0.25
                 else rng.choice(BRAND_A) + rng.choice(BRAND_B))
        place = "天津市" if rng.random() < 0.35 else "天津"
        if rng.random() < 0.2:
            place += DISTRICTS[division][0]
        suffix = rng.choices(self.suffixes, cum_weights=self.suffix_cum)[0]
        trade = rng.choice(TRADES) if suffix == "信息技术有限公司" else ""
        return place + brand + trade + suffix

    def address(self, division: str) -> str:
        rng = self.rng
        name, _, roads = DISTRICTS[division]
        where = f"天津市{name}{rng.choice(roads)}{rng.randrange(1, 400)}号"
        if rng.random() < 0.5:
            return where + f"{rng.choice(BUILDINGS)}{rng.randrange(2, 40)}层{rng.randrange(1, 30):02d}室"
        return where + f"{rng.randrange(1, 12)}号楼{rng.randrange(1, 25)}{rng.randrange(1, 20):02d}室"

    def phone(self) -> str:
        rng = self.rng
        if rng.random() < 0.6:
            return f"022-{rng.choice('2356789')}{rng.randrange(10**6, 10**7):07d}"
        return f"1{rng.choice('3578')}{rng.randrange(10**8, 10**9):09d}"

    def legal_id(self, agency_type: str) -> tuple[str, str]:
        rng = self.rng
        if agency_type == "T03" and rng.random() < 0.7:
            return "passport", f"{rng.choice('EGP')}{rng.randrange(10**7, 10**8)}"
        if agency_type in ("T04", "T05") and rng.random() < 0.8:
            return "hk_macao_permit", f"{'HM'[agency_type == 'T05']}{rng.randrange(10**7, 10**8)}"
        if agency_type == "T06" and rng.random() < 0.8:
            return "taiwan_permit", f"{rng.randrange(10**7, 10**8)}"
        return "resident_id", id_number(rng, rng.choice(ID_AREAS))

    def make(self, division: str) -> dict[str, Any]:
        rng = self.rng
        agency_type = rng.choices(self.types, cum_weights=self.type_cum)[0]
        id_type, id_no = self.legal_id(agency_type)
        legal_rep = self.people.name()
        return {
            "name": self.company_name(division),
            "credit_code": self.credit_code(division, agency_type),
            "agency_type": agency_type,
            "division": division,
            "address": self.address(division),
            "legal_rep": legal_rep,
            "legal_rep_id_type": id_type,
            "legal_rep_id_no": id_no,
            "contact": legal_rep if rng.random() < 0.3 else self.people.name(),
            "phone": self.phone(),
        }


def application_json(agency: dict[str, Any]) -> str:
    """The agency object as validation.agency returns it (licensing / filing payloads)."""
    return json.dumps({k: agency[k] for k in ("name", "credit_code", "agency_type", "division",
                                              "address", "legal_rep", "legal_rep_id_type",
                                              "legal_rep_id_no", "contact", "phone")})


def snapshot(agency: dict[str, Any]) -> dict[str, Any]:
    """workflows.common.snapshot: the registry's fields in the application's vocabulary."""
    return {k: agency[k] for k in ("credit_code", "name", "agency_type", "division", "address",
                                   "legal_rep", "legal_rep_id_type", "legal_rep_id_no",
                                   "contact", "phone")}


# --- cases ----------------------------------------------------------------------------------


class Timeline:
    """When each case was created, its workflow, its final status and its applicant."""

    def __init__(self, rng: random.Random, now: float, calendar: wcal.WorkingCalendar) -> None:
        self.rng = rng
        self.now = now
        start = dt.date(FIRST_YEAR, 1, 1)
        today = local_date(now)
        days, weights = [], []
        day = start
        while day < today:
            in_year = (dt.date(day.year + 1, 1, 1) - dt.date(day.year, 1, 1)).days
            weight = YEAR_WEIGHTS.get(day.year, 17) / in_year
            days.append(day)
            weights.append(weight * (1.0 if calendar.is_working_day(day) else 0.03))
            day += dt.timedelta(days=1)
        self.days, self.day_cum = weighted(zip(days, weights, strict=True))
        self.day_epoch = {d: (dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC).timestamp()
                              - LOCAL) for d in days}

    def terminal_created(self, k: int) -> list[float]:
        rng = self.rng
        picked = rng.choices(self.days, cum_weights=self.day_cum, k=k)
        out = []
        for day in picked:
            seconds = 30600 + rng.random() * 32400 if rng.random() < 0.95 else rng.random() * DAY
            out.append(self.day_epoch[day] + seconds)
        return out


def capital(rng: random.Random) -> int:
    """Registered capital in 万元: mostly small companies."""
    return rng.choices((10, 30, 50, 100, 200, 300, 500, 1000, 2000, 5000),
                       weights=(6, 10, 18, 22, 14, 10, 10, 6, 3, 1))[0]


def pick_items(rng: random.Random, pool: tuple[str, ...], low: int, high: int) -> list[str]:
    chosen = set(rng.sample(pool, rng.randint(low, high)))
    return [c for c in pool if c in chosen]  # catalogue order, as the forms send them


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgresql:///hrm_bench",
                        help="database to (re)create; SQLAlchemy or libpq URL")
    parser.add_argument("--agencies", type=int, default=100_000)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--audit-share", type=float, default=0.10,
                        help="share of cases whose audit events (流转记录) are written")
    parser.add_argument("--seed", type=int, default=20261127, help="random seed (reproducible)")
    args = parser.parse_args()
    if args.agencies < 100 or args.cases < 0:
        parser.error("need at least 100 agencies")

    url = make_url(args.database_url)
    if not url.drivername.startswith("postgresql") or not url.database:
        parser.error("--database-url must name a PostgreSQL database")
    sa_url = url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    libpq = url.set(drivername="postgresql").render_as_string(hide_password=False)
    maintenance = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False)

    rng = random.Random(args.seed)
    timer = Timer()
    print(f"bench database {url.database}: {args.agencies:,} agencies, {args.cases:,} cases, "
          f"audit events for {args.audit_share:.0%} of the cases (seed {args.seed})", flush=True)

    # 1. drop + create
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{url.database}"')
    timer.done("drop + create database")

    # 2. migrations and seed, as tests/conftest.py and `flask seed` do
    now = time.time()
    today = local_date(now)
    with tempfile.TemporaryDirectory(prefix="hrm-bench-gen-") as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": sa_url, "INSTANCE_PATH": tmp,
                          "SECRET_KEY": "bench-generate-" + "k" * 32})
        with app.app_context():
            from flask_migrate import upgrade

            logging.disable(logging.WARNING)  # alembic's INFO lines, calendar year warnings
            try:
                upgrade()
                divisions = load_divisions(app.config["DIVISIONS_FILE"])
                codes = load_catalog(app.config["CATALOG_FILE"])
                years = wcal.load_years_from_package(range(FIRST_YEAR, today.year + 2))
                db.session.commit()
                calendar = wcal.WorkingCalendar.load(range(FIRST_YEAR, today.year + 2))
            finally:
                logging.disable(logging.NOTSET)
            db.session.remove()
            db.engine.dispose()
    timer.done("migrations + seed", f"{divisions} divisions, {codes} codes, holiday calendar "
               f"{min(years)}–{max(years)}")

    # 3. generate + COPY
    with psycopg.connect(libpq) as conn:
        load(conn, args, rng, now, today, calendar, timer)
    with psycopg.connect(libpq, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '512MB'")
        for table in DATA_TABLES + ("divisions", "code_items", "calendar_days", "calendar_years",
                                     "alembic_version"):
            conn.execute(f"VACUUM (ANALYZE) {table}")
        timer.done("VACUUM (ANALYZE)")
        report(conn, timer)


def load(conn: psycopg.Connection, args: argparse.Namespace, rng: random.Random, now: float,
         today: dt.date, calendar: wcal.WorkingCalendar, timer: Timer) -> None:
    cur = conn.cursor()
    try:
        cur.execute("SET session_replication_role = replica")  # no per-row FK triggers
        fk_note = "FK triggers off for the load (checked afterwards)"
    except psycopg.errors.InsufficientPrivilege:
        conn.rollback()
        fk_note = "FK triggers on (not a superuser)"
    cur.execute("SET synchronous_commit = off")
    cur.execute("SET maintenance_work_mem = '512MB'")
    # The tables that refer to the data tables (left empty here: job fairs, annual reports,
    # revocations, import batches … whatever the migrations add) must be truncated with them.
    cur.execute(f"TRUNCATE {', '.join(DATA_TABLES + referring_tables(cur))} RESTART IDENTITY")
    cur.execute("""
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
        WHERE c.relname = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
        ORDER BY 1""", (list(DATA_TABLES),))
    secondary = cur.fetchall()
    for name, _ in secondary:
        cur.execute(f"DROP INDEX {name}")
    timer.done("truncate, drop secondary indexes", f"{len(secondary)} indexes; {fk_note}")

    numbers = Numbers()
    factory = AgencyFactory(rng, today)
    n_agencies = args.agencies

    # --- agencies (in memory first: the cases and the registry records read them) ---
    divisions = rng.choices(DIVISION_CODES, weights=DIVISION_WEIGHTS, k=n_agencies)
    agencies: list[dict[str, Any]] = []
    for index in range(n_agencies):
        agencies.append(factory.make(divisions[index]))
    # The dev portal's two demo clerks' agencies, so `hp`/`hx` clerk users find themselves.
    for index, (code, name, division) in enumerate((
            ("91120101MA05R7XQ0P", "津和人力资源服务有限公司", "120101"),
            ("91120103MA06B1TN4Q", "河西英才咨询有限公司", "120103"))):
        factory.used_codes.discard(agencies[index]["credit_code"])
        if code in factory.used_codes:
            raise SystemExit(f"generated credit code collides with demo code {code}")
        agencies[index].update(credit_code=code, name=name, division=division,
                               address=factory.address(division))
    sample = rng.sample(range(n_agencies), 200)
    for index in sample:  # spot-check the validators agree with the generator
        a = agencies[index]
        problem = credit_code_problem(a["credit_code"]) or (
            id_number_problem(a["legal_rep_id_no"]) if a["legal_rep_id_type"] == "resident_id"
            else None)
        if problem:
            raise SystemExit(f"generated an invalid agency {a['credit_code']}: {problem}")

    has_license = [rng.random() < 0.60 for _ in range(n_agencies)]
    has_filing = [rng.random() < 0.70 for _ in range(n_agencies)]
    license_ids, filing_ids = [0] * n_agencies, [0] * n_agencies
    next_license = next_filing = 0
    for index in range(n_agencies):
        if has_license[index]:
            next_license += 1
            license_ids[index] = next_license
        if has_filing[index]:
            next_filing += 1
            filing_ids[index] = next_filing
    # Branch agencies: 4 %, each under an earlier, non-branch agency.
    parent = [None] * n_agencies
    for index in range(max(n_agencies // 10, 1), n_agencies):
        if rng.random() < 0.04:
            candidate = rng.randrange(0, index)
            if parent[candidate] is None:
                parent[index] = candidate
                base = agencies[candidate]["name"]
                agencies[index]["name"] = (base.replace("有限公司", "") + DISTRICTS[
                    agencies[index]["division"]][0] + "分公司") if base.endswith("有限公司") \
                    else base + DISTRICTS[agencies[index]["division"]][0] + "分部"
    deregistered = [rng.random() < 0.07 for _ in range(n_agencies)]
    deregistered[0] = deregistered[1] = False
    app_json = [application_json(a) for a in agencies]
    snap = [snapshot(a) for a in agencies]
    clerk_ids = [f"u{(i * 2_654_435_761 + 97) % 10**10:010d}" for i in range(n_agencies)]
    branch_agencies = [i for i in range(n_agencies) if parent[i] is not None] or [0]
    timer.done("generate agencies (in memory)")

    # --- the case timeline: created, workflow, final status, applicant ---
    n = args.cases
    wf_values, wf_cum = weighted(WORKFLOWS)
    st_values, st_cum = weighted(STATUSES)
    wfs = rng.choices(wf_values, cum_weights=wf_cum, k=n)
    sts = rng.choices(st_values, cum_weights=st_cum, k=n)
    # Some agencies are busier than others; change/branch/deregistration need a registered,
    # valid agency holding a licence or a filing.
    activity = [rng.choice((1.0, 1.0, 1.0, 2.0, 4.0)) for _ in range(n_agencies)]
    any_applicant = rng.choices(range(n_agencies), weights=activity, k=n)
    registered = [i for i in range(n_agencies) if not deregistered[i] and parent[i] is None
                  and (has_license[i] or has_filing[i])]
    registered_pick = rng.choices(registered, weights=[activity[i] for i in registered], k=n)
    line_ = Timeline(rng, now, calendar)
    terminal = [i for i in range(n) if sts[i] in ("approved", "refused", "rejected")]
    created = [0.0] * n
    for i, ts in zip(terminal, line_.terminal_created(len(terminal)), strict=True):
        created[i] = ts
    plans: list[tuple[float, int, list[tuple[str, float]]]] = []
    limits = DEFAULTS["WORKFLOW_DEADLINES"]
    for i in range(n):
        plans.append(plan(rng, i, sts[i], wfs[i], created[i], now, limits, calendar))
    plans.sort(key=lambda p: p[0])
    timer.done("generate case timeline", f"{n:,} cases, sorted by creation")

    # The latest approved licensing / filing case of each agency issued its registry record.
    last_license_case: dict[int, int] = {}
    last_filing_case: dict[int, int] = {}
    applicant_of = [0] * n
    for position, (_, i, _) in enumerate(plans):
        wf = wfs[i]
        who = registered_pick[i] if wf in ("change", "branch", "deregistration") \
            else any_applicant[i]
        applicant_of[position] = who
        if sts[i] == "approved":
            if wf == "licensing" and has_license[who]:
                last_license_case[who] = position
            elif wf == "filing" and has_filing[who]:
                last_filing_case[who] = position

    # --- COPY agencies ---
    with cur.copy("COPY agencies (id, name, credit_code, agency_type, division_code, address, "
                  "business_address, legal_rep, legal_rep_id_type, legal_rep_id_no, contact, "
                  "phone, founded_on, registered_capital, business_scope, staff_count, "
                  "parent_id, status, deregistered_on, source, created_at, updated_at) "
                  "FROM STDIN WITH (FREEZE)") as copy:
        buf: list[str] = []
        for index, a in enumerate(agencies):
            founded = dt.date(1996, 1, 1) + dt.timedelta(days=int(
                (today - dt.date(1996, 1, 1)).days * (1 - rng.random() ** 1.8)))
            source = ("history_import" if founded.year < FIRST_YEAR and rng.random() < 0.7
                      else rng.choice(("application", "application", "application", "entry")))
            if source == "history_import":  # the 2019 migration of the old system's registry
                created_ts = IMPORTED_AT + rng.random() * 3600
            else:
                since = max(IMPORTED_AT, time.mktime(founded.timetuple()))
                created_ts = since + (now - since) * rng.random()
            updated_ts = created_ts + (now - created_ts) * rng.random() ** 3
            gone = deregistered[index]
            dereg_on = local_date(updated_ts) if gone else None
            scope = "；".join(rng.sample(SCOPE, rng.randint(2, 6)))
            buf.append(line(
                index + 1, a["name"], a["credit_code"], a["agency_type"], a["division"],
                a["address"],
                factory.address(a["division"]) if rng.random() < 0.25 else None,
                a["legal_rep"], a["legal_rep_id_type"], a["legal_rep_id_no"], a["contact"],
                a["phone"], founded, f"{capital(rng)}0000.00", scope, int(rng.lognormvariate(2.8, 1.0)) + 3,
                parent[index] + 1 if parent[index] is not None else None,
                "deregistered" if gone else "valid", dereg_on, source, stamp(created_ts),
                stamp(updated_ts)))
            if len(buf) >= 5000:
                copy.write("".join(buf))
                buf.clear()
        copy.write("".join(buf))
    timer.done("COPY agencies", f"{n_agencies:,} rows")

    # --- COPY cases (and collect licences, filings, audit events on the way) ---
    kind_codes = {name: wf.kind_code for name, wf in CASE_TYPES.items()}
    ground_values, ground_cum = weighted((g[:2], g[2]) for g in GROUNDS)
    licenses: dict[int, tuple] = {}
    filings: dict[int, tuple] = {}
    audit: list[tuple[float, str]] = []
    officers = {d: ([(f"u{int(d) * 100 + k:010d}", People(rng).name()) for k in range(4)],
                    [(f"u{int(d) * 100 + 50 + k:010d}", People(rng).name()) for k in range(3)])
                for d in DIVISION_CODES}
    statuses_count: dict[tuple[str, str, str], int] = {}
    with cur.copy("COPY cases (id, workflow, case_no, status, version, credit_code, agency_name, "
                  "division_code, agency_id, payload, result, reason, deadline, created_by, "
                  "created_at, updated_at, submitted_at, accepted_at, decided_at) "
                  "FROM STDIN WITH (FREEZE)") as copy:
        buf = []
        for position, (created_ts, i, steps) in enumerate(plans):
            case_id = position + 1
            wf, status = wfs[i], sts[i]
            who = applicant_of[position]
            a = agencies[who]
            division = a["division"]
            if wf == "licensing":
                payload = (f'{{"agency": {app_json[who]}, "license_items": '
                           f'{json.dumps(pick_items(rng, LICENSE_ITEMS, 1, 4))}}}')
            elif wf == "filing":
                payload = (f'{{"agency": {app_json[who]}, "filing_items": '
                           f'{json.dumps(pick_items(rng, FILING_ITEMS, 1, 5))}}}')
            elif wf == "change":
                payload = json.dumps(change_payload(rng, factory, a, snap[who],
                                                    has_license[who], has_filing[who]))
            elif wf == "branch":
                division = rng.choices(DIVISION_CODES, weights=DIVISION_WEIGHTS)[0]
                branch = factory.make(division)
                branch["name"] = a["name"].replace("有限公司", "") + DISTRICTS[division][0] + "分公司"
                payload = json.dumps({"agency": snap[who], "branch": branch})
            else:
                targets = []
                if has_license[who] and (not has_filing[who] or rng.random() < 0.6):
                    targets.append({"kind": "license", "id": license_ids[who]})
                if has_filing[who] and (not targets or rng.random() < 0.4):
                    targets.append({"kind": "filing", "id": filing_ids[who]})
                ground = rng.choices(ground_values, cum_weights=ground_cum)[0]
                payload = json.dumps({"agency": snap[who], "targets": targets,
                                      "ground": ground[0]})
            times = dict(steps)
            first_submit = times.get("submit")
            case_no = (numbers.case_number(kind_codes[wf], division, local_date(first_submit))
                       if first_submit is not None else None)
            submitted = times.get("resubmit", first_submit)
            accepted = times.get("accept")
            decided = times.get("approve") or times.get("refuse") or times.get("reject")
            last = steps[-1][1]
            reason = None
            for action in ("return", "reject", "refuse"):
                if status in ("returned", "rejected", "refused") and action in times:
                    reason = rng.choice(REASONS[action])
            deadline = None
            if status == "submitted":
                deadline = calendar.add_working_days(local_date(submitted), limits["accept"])
            elif status == "pending_review":
                deadline = calendar.add_working_days(local_date(accepted), limits[wf])
            version = len(steps)  # created as 1, +1 per transition
            result = None
            agency_id = None
            if status == "approved":
                decided_on = local_date(decided)
                result, agency_id = approve_result(
                    rng, numbers, wf, who, position, division, decided_on, payload, a,
                    license_ids, filing_ids, last_license_case, last_filing_case, has_license,
                    has_filing, branch_agencies, licenses, filings, deregistered, calendar)
            key = (wf, division, status)
            statuses_count[key] = statuses_count.get(key, 0) + 1
            buf.append(line(
                case_id, wf, case_no, status, version, a["credit_code"], a["name"], division,
                agency_id, payload, json.dumps(result) if result is not None else None,
                reason, deadline, clerk_ids[who], stamp(created_ts), stamp(last),
                stamp(submitted) if submitted is not None else None,
                stamp(accepted) if accepted is not None else None,
                stamp(decided) if decided is not None else None))
            if rng.random() < args.audit_share:
                audit_events(rng, audit, case_id, wf, case_no, steps, clerk_ids[who],
                             a["contact"], a["division"], division, officers, reason, result)
            if len(buf) >= 5000:
                copy.write("".join(buf))
                buf.clear()
        copy.write("".join(buf))
    timer.done("generate + COPY cases", f"{n:,} rows")

    # --- registry records ---
    # Agencies with a licence (filing) but no approved case since 2019: imported history.
    for index in range(n_agencies):
        if has_license[index] and index not in last_license_case:
            issued = dt.date(2010, 1, 1) + dt.timedelta(days=rng.randrange(0, 9 * 365))
            division = agencies[index]["division"]
            licenses[index] = license_row(
                rng, numbers, index, license_ids[index], division, issued,
                pick_items(rng, LICENSE_ITEMS + ("L90", "L91"), 1, 3), "history_import",
                decision=None)
        if has_filing[index] and index not in last_filing_case:
            filed = dt.date(2012, 1, 1) + dt.timedelta(days=rng.randrange(0, 7 * 365))
            filings[index] = filing_row(rng, numbers, index, filing_ids[index],
                                        agencies[index]["division"], filed,
                                        pick_items(rng, FILING_ITEMS, 1, 4), "history_import")
    grounds = {g[0]: g[1] for g in GROUNDS}
    with cur.copy("COPY licenses (id, agency_id, license_number, decision_number, items, "
                  "issued_on, valid_until, issuing_authority, issuing_division, status, "
                  "status_reason, status_changed_on, status_document_no, source, created_at) "
                  "FROM STDIN WITH (FREEZE)") as copy:
        buf = []
        for index in sorted(licenses, key=lambda k: licenses[k][0]):
            lid, number, decision, items, issued, division, source = licenses[index]
            valid_until = add_years(issued, 5)
            status, reason, changed, document = "valid", None, None, None
            if deregistered[index]:
                status, reason = "deregistered", grounds[rng.choice(("D01", "D02", "D03"))]
                changed = max(issued, today - dt.timedelta(days=rng.randrange(1, 900)))
                document = numbers.issue("deregistration", division, changed)
            elif valid_until < today:
                status, changed = "expired", valid_until + dt.timedelta(days=1)
            elif rng.random() < 0.015:
                status, reason = "revoked", "被撤销"
                changed = min(issued + dt.timedelta(days=rng.randrange(30, 700)),
                              today - dt.timedelta(days=1))
            buf.append(line(
                lid, index + 1, number, decision, json.dumps(items), issued, valid_until,
                DISTRICTS[division][0] + "人力资源和社会保障局", division, status, reason,
                changed, document, source, stamp(time.mktime(issued.timetuple()) + 36000)))
        copy.write("".join(buf))
    with cur.copy("COPY filings (id, agency_id, filing_number, items, filed_on, status, "
                  "status_reason, status_changed_on, source, created_at) "
                  "FROM STDIN WITH (FREEZE)") as copy:
        buf = []
        for index in sorted(filings, key=lambda k: filings[k][0]):
            fid, number, items, filed, division, source = filings[index]
            status, reason, changed = "valid", None, None
            if deregistered[index]:
                status, reason = "deregistered", grounds[rng.choice(("D01", "D02", "D03"))]
                changed = max(filed, today - dt.timedelta(days=rng.randrange(1, 900)))
            buf.append(line(fid, index + 1, number, json.dumps(items), filed, status, reason,
                            changed, source, stamp(time.mktime(filed.timetuple()) + 36000)))
        copy.write("".join(buf))
    timer.done("COPY licenses + filings", f"{len(licenses):,} licences, {len(filings):,} filings")

    audit.sort(key=lambda e: e[0])
    with cur.copy("COPY audit_events (id, occurred_at, actor_id, actor_name, actor_division, "
                  "actor_roles, action, object_type, object_id, from_state, to_state, reason, "
                  "data, remote_addr) FROM STDIN WITH (FREEZE)") as copy:
        buf = []
        for number, (_, rest) in enumerate(audit, start=1):
            buf.append(f"{number}\t{rest}")
            if len(buf) >= 10000:
                copy.write("".join(buf))
                buf.clear()
        copy.write("".join(buf))
    with cur.copy("COPY counters (series, value) FROM STDIN WITH (FREEZE)") as copy:
        copy.write("".join(line(series, value) for series, value in numbers.values.items()))
    timer.done("COPY audit_events + counters",
               f"{len(audit):,} events, {len(numbers.values):,} number series")

    for _name, definition in secondary:
        cur.execute(definition)
    timer.done("re-create secondary indexes", ", ".join(name for name, _ in secondary))

    for table in ("agencies", "licenses", "filings", "cases", "audit_events"):
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"GREATEST((SELECT max(id) FROM {table}), 1))")
    cur.execute("SET session_replication_role = DEFAULT")
    # The replica role also kept migration 0005's triggers from filling each agency's first
    # grant year (the 统计分析 "new" count), so fill it as they would have.
    cur.execute("UPDATE agencies SET first_granted_year = g.year FROM (SELECT agency_id, "
                "CAST(extract(year FROM min(d)) AS integer) AS year FROM (SELECT agency_id, "
                "issued_on AS d FROM licenses UNION ALL SELECT agency_id, filed_on FROM filings) "
                "AS u GROUP BY agency_id) AS g WHERE agencies.id = g.agency_id")
    problems = check_foreign_keys(cur)
    if problems:
        raise SystemExit("foreign keys violated: " + "; ".join(problems))
    conn.commit()
    timer.done("sequences, foreign-key check, commit", "all foreign keys hold")

    # What the load benchmark's queries will meet.
    lic = {s: statuses_count.get(("licensing", "120101", s), 0) for s, _ in STATUSES}
    print("  licensing cases in 和平区 (120101): " + ", ".join(f"{s} {c:,}" for s, c in lic.items()),
          flush=True)


def office(rng: random.Random, ts: float, calendar: wcal.WorkingCalendar) -> float:
    """Move a moment into the bureau's office hours (08:30–17:30 of a working day)."""
    t = time.gmtime(ts + LOCAL)
    day = dt.date(t.tm_year, t.tm_mon, t.tm_mday)
    second = t.tm_hour * 3600 + t.tm_min * 60 + t.tm_sec
    working = calendar.is_working_day(day)
    if working and 30600 <= second <= 63000:
        return ts
    if not (working and second < 30600):
        day += dt.timedelta(days=1)
        while not calendar.is_working_day(day):
            day += dt.timedelta(days=1)
    midnight = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp() - LOCAL
    return midnight + 30600 + rng.random() * 32400


def plan(rng: random.Random, i: int, status: str, wf: str, created: float, now: float,
         limits: dict[str, int], calendar: wcal.WorkingCalendar
         ) -> tuple[float, int, list[tuple[str, float]]]:
    """The transitions a case went through, with their times: [(action, epoch s), ...]."""
    decide_days = limits[wf] * 1.4  # working days → calendar days
    returned_once = status != "draft" and status != "returned" and rng.random() < 0.08
    gaps: list[tuple[str, float]] = []
    first = DAY * (rng.expovariate(1 / 0.03) if rng.random() < 0.7 else rng.expovariate(0.5))
    gaps.append(("submit", min(first, 20 * DAY)))
    if returned_once:
        gaps.append(("return", DAY * rng.uniform(0.1, 5)))
        gaps.append(("resubmit", DAY * rng.uniform(0.2, 12)))
    if status in ("pending_review", "approved", "refused"):
        gaps.append(("accept", DAY * rng.uniform(0.05, 6)))
    if status in ("approved", "refused"):
        gaps.append((status.replace("approved", "approve").replace("refused", "refuse"),
                     DAY * rng.uniform(0.3, decide_days)))
    elif status == "rejected":
        gaps.append(("reject", DAY * rng.uniform(0.1, 6)))
    elif status == "returned":
        gaps.append(("return", DAY * rng.uniform(0.1, 5)))
    elif status == "draft":
        gaps = []
    span = sum(g for _, g in gaps)
    if status in ("approved", "refused", "rejected"):
        start = min(created, now - span - 600)
    else:
        # Open work is recent, with a tail of stale cases (overdue ones among them).
        mean = {"draft": 12, "submitted": 4, "returned": 20, "pending_review": 8}[status]
        age = DAY * (rng.expovariate(1 / mean) if rng.random() < 0.88 else rng.uniform(0, 300))
        start = now - span - age - 60
    steps = [("create", start)]
    at = start
    for action, gap in gaps:
        at = office(rng, at + gap, calendar) if action not in ("submit", "resubmit") \
            else at + gap
        steps.append((action, at))
    if at > now - 60:  # office hours pushed the chain past now: move it back whole
        shift = at - now + 60 + rng.random() * 600
        steps = [(action, moment - shift) for action, moment in steps]
        start = steps[0][1]
    if status == "draft" and rng.random() < 0.3:
        steps.append(("edit", at + DAY * rng.uniform(0, 3)))  # edits bump the version too
        if steps[-1][1] > now:
            steps[-1] = ("edit", now - 30)
    return start, i, steps


def change_payload(rng: random.Random, factory: AgencyFactory, a: dict[str, Any],
                   snap: dict[str, Any], licensed: bool, filed: bool) -> dict[str, Any]:
    options = ["address", "address", "legal_rep", "name"]
    if licensed:
        options.append("license_items")
    if filed:
        options.append("filing_items")
    changes: dict[str, Any] = {}
    before: dict[str, Any] = {}
    for field in dict.fromkeys(rng.sample(options, rng.randint(1, 2))):
        if field == "address":
            changes["address"] = factory.address(a["division"])
        elif field == "name":
            changes["name"] = factory.company_name(a["division"])
        elif field == "legal_rep":
            changes["legal_rep"] = factory.people.name()
            if a["legal_rep_id_type"] == "resident_id":
                changes["legal_rep_id_no"] = id_number(rng, rng.choice(ID_AREAS))
                before["legal_rep_id_no"] = a["legal_rep_id_no"]
        elif field == "license_items":
            changes["license_items"] = pick_items(rng, LICENSE_ITEMS, 1, 5)
            before["license_items"] = pick_items(rng, LICENSE_ITEMS, 1, 3)
            continue
        else:
            changes["filing_items"] = pick_items(rng, FILING_ITEMS, 1, 6)
            before["filing_items"] = pick_items(rng, FILING_ITEMS, 1, 3)
            continue
        before[field] = a[field]
    return {"agency": snap, "changes": changes, "before": before}


def license_row(rng: random.Random, numbers: Numbers, index: int, lid: int, division: str,
                issued: dt.date, items: list[str], source: str, decision: str | None,
                number: str | None = None) -> tuple:
    number = number or numbers.issue("license", division, issued)
    return (lid, number, decision, items, issued, division, source)


def filing_row(rng: random.Random, numbers: Numbers, index: int, fid: int, division: str,
               filed: dt.date, items: list[str], source: str, number: str | None = None) -> tuple:
    number = number or numbers.issue("filing", division, filed)
    return (fid, number, items, filed, division, source)


def approve_result(rng: random.Random, numbers: Numbers, wf: str, who: int, position: int,
                   division: str, on: dt.date, payload: str, a: dict[str, Any],
                   license_ids: list[int], filing_ids: list[int],
                   last_license_case: dict[int, int], last_filing_case: dict[int, int],
                   has_license: list[bool], has_filing: list[bool], branch_agencies: list[int],
                   licenses: dict[int, tuple], filings: dict[int, tuple],
                   deregistered: list[bool], calendar: wcal.WorkingCalendar
                   ) -> tuple[dict[str, Any], int]:
    """What the approval effect returned (workflows.<wf>.approve) and the case's agency_id."""
    agency_id = who + 1
    if wf == "licensing":
        number = numbers.issue("license", division, on)
        decision = numbers.issue("decision", division, on)
        result: dict[str, Any] = {}
        if last_license_case.get(who) == position:
            items = json.loads(payload)["license_items"]
            licenses[who] = license_row(rng, numbers, who, license_ids[who], division, on, items,
                                        "application", decision, number)
            result["license_id"] = license_ids[who]
        result.update(license_number=number, decision_number=decision, agency_id=agency_id)
        return result, agency_id
    if wf == "filing":
        number = numbers.issue("filing", division, on)
        result = {}
        if last_filing_case.get(who) == position:
            items = json.loads(payload)["filing_items"]
            filings[who] = filing_row(rng, numbers, who, filing_ids[who], division, on, items,
                                      "application", number)
            result["filing_id"] = filing_ids[who]
        result.update(filing_number=number, agency_id=agency_id)
        return result, agency_id
    if wf == "change":
        data = json.loads(payload)
        return {"agency_id": agency_id, "before": data["before"],
                "after": data["changes"]}, agency_id
    if wf == "branch":
        branch_id = rng.choice(branch_agencies) + 1
        result = {"agency_id": branch_id, "parent_id": agency_id}
        if has_license[who]:
            result["license_number"] = numbers.issue("license", division, on)
        if has_filing[who]:
            result["filing_number"] = numbers.issue("filing", division, on)
        return result, branch_id
    data = json.loads(payload)
    return {"agency_id": agency_id, "deregistered": data["targets"],
            "document_number": numbers.issue("deregistration", division, on),
            "agency_deregistered": deregistered[who]}, agency_id


ROLE_JSON = {"clerk": json.dumps(["HRM_JG"]), "accept": json.dumps(["HRM_SL"]),
             "review": json.dumps(["HRM_SH"])}
EVENT_STATES = {
    "create": (None, "draft"), "edit": ("draft", "draft"), "submit": ("draft", "submitted"),
    "resubmit": ("returned", "submitted"), "accept": ("submitted", "pending_review"),
    "return": ("submitted", "returned"), "reject": ("submitted", "rejected"),
    "approve": ("pending_review", "approved"), "refuse": ("pending_review", "refused"),
}


def audit_events(rng: random.Random, out: list[tuple[float, str]], case_id: int, wf: str,
                 case_no: str | None, steps: list[tuple[str, float]], clerk: str,
                 clerk_name: str, clerk_division: str, division: str,
                 officers: dict[str, tuple[list, list]], reason: str | None,
                 result: dict[str, Any] | None) -> None:
    """One audit event per transition, as portal_plugin.audit.record writes them."""
    accept_staff, review_staff = officers[division]
    ip = f"10.12.{rng.randrange(1, 255)}.{rng.randrange(1, 255)}"
    for action, at in steps:
        if action in ("create", "edit", "submit", "resubmit"):
            actor, actor_name, actor_division, roles = clerk, clerk_name, clerk_division, "clerk"
        elif action in ("accept", "return", "reject"):
            (actor, actor_name), actor_division, roles = rng.choice(accept_staff), division, \
                "accept"
        else:
            (actor, actor_name), actor_division, roles = rng.choice(review_staff), division, \
                "review"
        source, target = EVENT_STATES[action]
        if action in ("create", "edit"):
            data: dict[str, Any] = {"workflow": wf}
        else:
            data = {"workflow": wf, "case_no": case_no}
            if action == "approve" and result:
                data.update(result)
        why = reason if action in ("return", "reject", "refuse") else None
        out.append((at, "\t".join(copy_text(v) for v in (
            stamp(at), actor, actor_name, actor_division, ROLE_JSON[roles],
            "submit" if action == "resubmit" else action, "case", str(case_id), source, target,
            why, json.dumps(data), ip)) + "\n"))


def referring_tables(cur: psycopg.Cursor) -> tuple[str, ...]:
    """Every table that refers to a data table, directly or through another such table
    (TRUNCATE refuses to leave a foreign key pointing into a truncated table)."""
    cur.execute("""
        WITH RECURSIVE refs(name) AS (
            SELECT unnest(%s::text[])
            UNION
            SELECT c.conrelid::regclass::text FROM pg_constraint c
            JOIN refs r ON c.confrelid::regclass::text = r.name WHERE c.contype = 'f')
        SELECT name FROM refs WHERE name <> ALL(%s::text[]) ORDER BY 1""",
                (list(DATA_TABLES), list(DATA_TABLES)))
    return tuple(name for (name,) in cur.fetchall())


def check_foreign_keys(cur: psycopg.Cursor) -> list[str]:
    """Every foreign key of the data tables, checked with one anti-join each."""
    cur.execute("""
        SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, af.attname
        FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1]
        WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)""", (list(DATA_TABLES),))
    problems = []
    for table, column, ref, ref_column in cur.fetchall():
        cur.execute(f"SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL AND NOT EXISTS "
                    f"(SELECT 1 FROM {ref} r WHERE r.{ref_column} = t.{column})")
        missing = cur.fetchone()[0]
        if missing:
            problems.append(f"{table}.{column} → {ref}: {missing} rows")
    return problems


def report(conn: psycopg.Connection, timer: Timer) -> None:
    total = sum(seconds for _, seconds in timer.stages)
    print(f"  {'total':<44} {total:7.1f} s")
    rows = conn.execute("""
        SELECT c.relname, 0, pg_relation_size(c.oid),
               pg_total_relation_size(c.oid) - pg_relation_size(c.oid) - pg_indexes_size(c.oid),
               pg_indexes_size(c.oid), pg_total_relation_size(c.oid)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'r'
        ORDER BY pg_total_relation_size(c.oid) DESC""").fetchall()
    print()
    print(f"  {'table':<16} {'rows':>12} {'heap':>10} {'toast':>10} {'indexes':>10} {'total':>10}")
    for name, _, heap, toast, indexes, whole in rows:
        count = conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
        print(f"  {name:<16} {count:>12,} {mb(heap):>10} {mb(toast):>10} {mb(indexes):>10} "
              f"{mb(whole):>10}")
    size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    print(f"  {'database':<16} {'':>12} {'':>10} {'':>10} {'':>10} {mb(size):>10}")
    print()
    print("  indexes of cases: " + ", ".join(
        f"{name} {mb(size)}" for name, size in conn.execute("""
            SELECT indexrelid::regclass::text, pg_relation_size(indexrelid)
            FROM pg_index WHERE indrelid = 'cases'::regclass ORDER BY 1""").fetchall()))


def mb(size: int) -> str:
    return f"{size / 1024 / 1024:,.1f} MB"


if __name__ == "__main__":
    main()
