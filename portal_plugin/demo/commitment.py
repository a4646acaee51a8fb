"""Demo 告知承诺制: a licence granted on the spot with its 事后核查 due, a case awaiting 受理,
and one agency on the exclusion list."""

from __future__ import annotations

from portal_plugin.core.check_digits import credit_code_check_char
from portal_plugin.demo.base import agency, materials, who
from portal_plugin.inspections import service as inspections
from workflows import engine, service
from workflows.engine import case_type

HP, HX = "120101", "120103"


def _code(division: str, n: int) -> str:
    first17 = f"91{division}MK{n:07d}"[:17]  # a series no other demo module uses
    return first17 + credit_code_check_char(first17)


def _apply(code: str, division: str, index: int) -> int:
    clerk = who("HRM_JG", division, code)
    body = {"agency": agency(code, division, index), "license_items": ["L01", "L02"],
            "procedure": "commitment", "commitment_accepted": True}
    return service.create(case_type("licensing"), clerk, body, submit=True,
                          uploads=materials("licensing", "commitment")).id


def load() -> int:
    """Three records: the grant (and its check), the waiting case, the exclusion entry."""
    licensing = case_type("licensing")
    granted = _apply(_code(HP, 1), HP, 3)
    engine.apply(licensing, granted, "grant", who("HRM_SL", HP))
    _apply(_code(HX, 2), HX, 5)
    inspections.add_exclusion(who("HRM_GL", HP), {
        "credit_code": _code(HP, 3), "agency_name": "津门诚信人力资源服务有限公司",
        "reason": "serious_dishonesty", "reason_text": "被列入严重失信主体名单"})
    return 3
