"""Shared test builders: districts, credit codes, agency bodies, bearer headers, cases, registry."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from flask.testing import FlaskClient

from portal_plugin.core.check_digits import credit_code_check_char
from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency, Filing, License

HP, HX, CITY = "120101", "120103", "120000"  # 和平区, 河西区, 天津市
CLERK_CODE = "91120101MA05R7XQ0P"  # 津和 (和平区)
OTHER_CODE = "91120103MA06B1TN4Q"  # 河西英才 (河西区)
ID_NO = "11010519491231002X"
# A licensing application's 专职工作人员 (three full-time, as Art 6 requires).
STAFF = [{"name": name, "id_type": "resident_id", "id_no": ID_NO, "position": "招聘专员",
          "full_time": True} for name in ("赵敏", "钱进", "孙丽")]
STAFF_FORM = {f"staff.{i}.{key}": value for i, member in enumerate(STAFF)
              for key, value in {**member, "full_time": "1"}.items()}
CATALOG_FILE = Path(__file__).resolve().parents[1] / "portal_plugin/core/data/catalog.json"


def required_materials(wf: str, procedure: str = "ordinary") -> list[str]:
    """The material kinds the seeded catalogue requires of a workflow's procedure."""
    rules = json.loads(CATALOG_FILE.read_text(encoding="utf-8"))["materials"]
    return [m["code"] for m in rules.get(wf, {}).get(procedure, ()) if m["required"]]


def materials_form(wf: str, procedure: str = "ordinary") -> dict[str, Any]:
    """A page form's file fields carrying every required material (fresh streams each call)."""
    return {f"materials.{kind}": (io.BytesIO(PDF), f"{kind}.pdf")
            for kind in required_materials(wf, procedure)}


# The smallest file the materials accept as a PDF (they are told by their first bytes).
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# The states a case passes through, and the actions that lead there from a new draft.
PATHS: dict[str, tuple[str, ...]] = {
    "draft": (),
    "submitted": ("submit",),
    "returned": ("submit", "return"),
    "rejected": ("submit", "reject"),
    "pending_review": ("submit", "accept"),
    "approved": ("submit", "accept", "approve"),
    "refused": ("submit", "accept", "refuse"),
}
WORKFLOWS = ("licensing", "filing", "change", "branch", "deregistration")


def credit_code(seed: int, division: str = HP) -> str:
    """A valid 统一社会信用代码 made from a number (for many distinct agencies)."""
    first17 = f"91{division}MA{seed:07d}"[:17]
    return first17 + credit_code_check_char(first17)


def agency_body(code: str = CLERK_CODE, division: str = HP, **overrides: Any) -> dict[str, Any]:
    """An agency as an application carries it (the fields a case requires)."""
    return {
        "name": f"测试人力资源机构{code[-6:]}", "credit_code": code, "agency_type": "T02",
        "division": division, "address": "天津市测试路1号", "legal_rep": "张伟",
        "legal_rep_id_type": "resident_id", "legal_rep_id_no": ID_NO, "contact": "李娜",
        "phone": "022-23456789", **overrides,
    }


def entry_body(seed: int = 1, division: str = HP, **overrides: Any) -> dict[str, Any]:
    """An agency as 机构管理 enters it: every field, its credit code made from `seed`."""
    return {
        **agency_body(credit_code(seed, division), division),
        "name": f"录入人力资源服务有限公司{seed}", "business_address": "天津市测试路2号",
        "founded_on": "2015-06-01", "registered_capital": "200.50",
        "business_scope": "职业中介；人力资源管理咨询", "staff_count": 12, **overrides,
    }


def fair_body(division: str = HP, **overrides: Any) -> dict[str, Any]:
    """A 现场招聘会 as its organiser registers it, held in `division`."""
    return {
        "name": "2027年春风行动专场招聘会", "kind": "J04", "organizer": "天津市人力资源服务协会",
        "co_organizer": "津和人力资源服务有限公司", "start_at": "2027-03-01T09:00",
        "end_at": "2027-03-01T16:00", "venue": "人才市场一楼大厅", "venue_address": "天津市南京路1号",
        "division": division, "booths": 120, "expected_employers": 100, "expected_positions": 3000,
        "expected_visitors": 800, "safety_officer": "王强", "safety_phone": "022-23456789",
        "contact": "李娜", "contact_phone": "13812345678", **overrides,
    }


YEAR = dt.date.today().year - 1  # the year an annual report is filled in for


def report_body(year: int = YEAR, **overrides: Any) -> dict[str, Any]:
    """A 年度报告 as the agency's clerk fills it in."""
    return {
        "year": year, "staff_count": 25, "revenue": "1234567.89", "served_workers": 5200,
        "served_employers": 310, "placements": 1800, "job_fairs_held": 6,
        "online_postings": 4200, "trainings": 900, "complaints": "无", "filled_by": "吴芳",
        **overrides,
    }


@dataclass
class People:
    """Bearer headers for the roles of a division, and agency clerks by credit code."""

    make: Callable[..., dict[str, str]]

    def officer(self, role: str, division: str = HP) -> dict[str, str]:
        return self.make(role, division)

    def clerk(self, code: str = CLERK_CODE) -> dict[str, str]:
        return self.make("HRM_JG", HP, org_credit_code=code)


class Api:
    """Thin helpers over the case API for tests (assert on the answers yourself)."""

    def __init__(self, client: FlaskClient, people: People) -> None:
        self.client = client
        self.people = people

    def create(self, wf: str, body: dict[str, Any], clerk: str = CLERK_CODE, **extra: Any):
        """Create a case with the materials its procedure requires (and a licensing
        application's staff list); with "submit", submit it once they are attached — the
        answer of a one-shot create (201) when all went well, else the failing one."""
        data = {**body, **extra}
        if wf == "licensing":
            data.setdefault("staff", STAFF)
        submit = data.pop("submit", False) is True
        created = self.client.post(f"/api/v1/cases/{wf}", json=data, headers=self.people.clerk(clerk))
        if created.status_code != 201:
            return created
        self.attach_required(wf, created.json["id"], clerk, data.get("procedure") or "ordinary")
        if not submit:
            return created
        submitted = self.client.post(f"/api/v1/cases/{wf}/{created.json['id']}/submit", json={},
                                     headers=self.people.clerk(clerk))
        if submitted.status_code == 200:
            submitted.status_code = 201
        return submitted

    def attach_required(self, wf: str, case_id: int, clerk: str = CLERK_CODE,
                        procedure: str = "ordinary") -> None:
        for kind in required_materials(wf, procedure):
            answer = self.upload(wf, case_id, kind, clerk)
            assert answer.status_code == 201, answer.json

    def upload(self, wf: str, case_id: int, kind: str, clerk: str = CLERK_CODE,
               data: bytes = PDF, name: str = "材料.pdf"):
        return self.client.post(f"/api/v1/cases/{wf}/{case_id}/materials",
                                data={"kind": kind, "file": (io.BytesIO(data), name)},
                                headers=self.people.clerk(clerk), content_type="multipart/form-data")

    def act(self, wf: str, case_id: int, action: str, headers: dict[str, str],
            **body: Any):
        if action == "return" or action in ("reject", "refuse"):
            body.setdefault("reason", "材料不齐全")
        return self.client.post(f"/api/v1/cases/{wf}/{case_id}/{action}", json=body,
                                headers=headers)

    def get(self, wf: str, case_id: int, headers: dict[str, str]):
        return self.client.get(f"/api/v1/cases/{wf}/{case_id}", headers=headers)

    def actor(self, action: str, division: str, clerk: str) -> dict[str, str]:
        if action == "submit":
            return self.people.clerk(clerk)
        role = "HRM_SL" if action in ("accept", "return", "reject") else "HRM_SH"
        return self.people.officer(role, division)

    def bring(self, wf: str, body: dict[str, Any], state: str, *, clerk: str = CLERK_CODE,
              division: str = HP) -> dict[str, Any]:
        """Create a case and take it to `state`; returns the case JSON."""
        response = self.create(wf, body, clerk)
        assert response.status_code == 201, response.json
        case = response.json
        for action in PATHS[state]:
            response = self.act(wf, case["id"], action, self.actor(action, division, clerk))
            assert response.status_code == 200, (action, response.json)
            case = response.json
        assert case["status"] == state
        return case


# Registry rows written straight to the database (inside an app context; the caller commits).
ISSUED = dt.date(2024, 3, 1)
Row = TypeVar("Row", Agency, License, Filing)


def _added(row: Row) -> Row:
    """The row added and flushed, so that it has its id."""
    db.session.add(row)
    db.session.flush()
    return row


def add_agency(code: str, division: str, name: str, **fields: Any) -> Agency:
    """A registered agency with the required fields filled in."""
    return _added(Agency(**{"name": name, "credit_code": code, "agency_type": "T02",
                            "division_code": division, "address": "天津市测试路1号",
                            "legal_rep": "张伟", "legal_rep_id_no": ID_NO, **fields}))


def add_license(agency: Agency, number: str, **fields: Any) -> License:
    """A valid licence of the agency (issued on ISSUED unless told)."""
    return _added(License(**{"agency_id": agency.id, "license_number": number, "items": ["L01"],
                             "issued_on": ISSUED, **fields}))


def add_filing(agency: Agency, number: str, **fields: Any) -> Filing:
    """A valid filing of the agency (filed on ISSUED unless told)."""
    return _added(Filing(**{"agency_id": agency.id, "filing_number": number, "items": ["F01"],
                            "filed_on": ISSUED, **fields}))
