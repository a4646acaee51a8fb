"""Demo data of 历史数据采集 for `make run`: an imported batch, and one waiting with errors."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from typing import Any

import openpyxl

from portal_plugin.core.check_digits import credit_code_check_char
from portal_plugin.core.identity import Identity
from portal_plugin.history import service
from portal_plugin.history.spec import COLUMNS, DATA_SHEET

DISTRICTS = ("和平区", "河西区", "南开区", "滨海新区", "河东区", "塘沽区")
NAMES = ("津门老字号人才服务", "海河职介", "南开人力资源开发", "渤海劳务派遣", "河东就业服务", "塘沽人才市场")


def filled(template: bytes, rows: Sequence[Mapping[str, Any]]) -> bytes:
    """The template with these rows typed into its data sheet from row 2 (as Excel saves it)."""
    wb = openpyxl.load_workbook(io.BytesIO(template))
    ws = wb[DATA_SHEET]
    for number, values in enumerate(rows, start=2):
        for index, column in enumerate(COLUMNS, start=1):
            ws.cell(row=number, column=index, value=values.get(column.key))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def row(n: int) -> dict[str, Any]:
    """A historical agency as the bureau's old spreadsheets list it."""
    first17 = f"91120000MH{n:07d}"[:17]
    issued = dt.date(2012 + n % 8, 1 + n % 12, 1 + n % 27)
    return {
        "name": f"天津{NAMES[n % len(NAMES)]}有限公司{'' if n < 6 else n}",
        "credit_code": first17 + credit_code_check_char(first17),
        "agency_type": "民营性质的服务企业" if n % 3 else "国有性质的服务企业",
        "division": DISTRICTS[n % len(DISTRICTS)], "address": f"天津市{n + 1}号路{n * 11 % 90 + 5}号",
        "legal_rep": ("王建国", "李秀英", "张立新", "赵红梅")[n % 4], "legal_rep_id_type": "居民身份证",
        "legal_rep_id_no": "11010519491231002X", "contact": "办公室", "phone": f"022-2{n:03d}5678",
        "founded_on": issued - dt.timedelta(days=200),
        "license_number": f"（津）人服证字〔{issued.year}〕第9900{n:04d}号",
        "license_issued_on": issued, "license_valid_until": issued.replace(year=issued.year + 5),
        "license_items": "为用人单位推荐劳动者、为劳动者介绍用人单位", "license_status": "有效",
        "filing_number": f"津人服备字〔{issued.year}〕第9900{n:04d}号" if n % 2 else None,
        "filed_on": issued if n % 2 else None, "filing_items": "人力资源管理咨询" if n % 2 else None,
        "filing_status": "有效" if n % 2 else None, "status": "有效",
    }


def load(officer: Identity) -> int:
    """Import twelve historical agencies as the city's 业务管理岗 and leave a second upload
    with errors to look at; returns the number of agencies imported."""
    template = service.template(officer)
    batch = service.upload(officer, "历史机构台账（2012-2019）.xlsx",
                           filled(template, [row(n) for n in range(12)]))
    service.commit(officer, batch.id)
    mistakes = [row(20), row(3), {**row(21), "address": None, "license_issued_on": "去年"}]
    service.upload(officer, "历史机构台账（补录）.xlsx", filled(template, mistakes))
    return batch.counts["agencies"]
