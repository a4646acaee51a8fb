"""The one column specification of the history import: template, validation, report, edit form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portal_plugin.core.schemas import AGENCY_LABELS, AGENCY_MAX_LEN

# Uploads must carry this version in the workbook's defined name; bump it when COLUMNS change.
TEMPLATE_VERSION = "1"
VERSION_NAME = "HRM_HISTORY_TEMPLATE_VERSION"
DATA_SHEET = "历史数据"
GUIDE_SHEET = "填写说明"
EXAMPLE_SHEET = "示例"
LISTS_SHEET = "代码表"
RESULT_HEADER = "校验结果"  # the error report's extra column; ignored when the report is re-uploaded
ERRORS_SHEET = "错误清单"
REQUIRED_MARK = "*"
ITEM_SEPARATOR = "、"

# The template's column groups (the row of headers above the headers).
AGENCY_GROUP, LICENSE_GROUP, FILING_GROUP, STATUS_GROUP = "机构信息", "行政许可", "业务备案", "机构状态"
DATE_HINT = "按 2019-03-01、2019/3/1 或 2019年3月1日 填写，或将单元格设为日期格式"
CHOOSE_HINT = "请从下拉列表中选择，或填写代码表中的名称"
ITEMS_HINT = "可填多项，用顿号（、）分隔；可用下拉列表选择一项"


@dataclass(frozen=True)
class Column:
    """One column: its header, whether it is required, its kind and rules, and how to fill it.

    kinds: text, credit_code, code (one of `source`), codes (several of `source`), division,
    id_no, phone, date. `source` names a code list (see history.checks.SOURCES).
    """

    key: str
    header: str
    group: str
    kind: str = "text"
    required: bool = False
    max_len: int = 200
    source: str | None = None
    text_format: bool = False  # code-like text Excel must not turn into a number
    help: str = ""
    example: str = ""

    @property
    def title(self) -> str:
        """The header as the template shows it: required columns are marked."""
        return REQUIRED_MARK + self.header if self.required else self.header


def agency_column(key: str, kind: str = "text", **rules: Any) -> Column:
    """An agency column: its header and longest value are the agency schema's (core.schemas)."""
    return Column(key, AGENCY_LABELS[key], AGENCY_GROUP, kind,
                  max_len=AGENCY_MAX_LEN.get(key, Column.max_len), **rules)


COLUMNS: tuple[Column, ...] = (
    agency_column("name", required=True, help="与营业执照或登记证书上的名称一致",
                  example="天津津门人力资源服务有限公司"),
    agency_column("credit_code", "credit_code", required=True, text_format=True,
                  example="91120101MA0000001C",
                  help="18位数字或大写字母；校验位不符的早期代码给出警告，仍可导入"),
    agency_column("agency_type", "code", required=True, source="agency_type", help=CHOOSE_HINT,
                  example="民营性质的服务企业"),
    agency_column("division", "division", required=True,
                  help="区名或6位区划代码；已撤销的旧区县（如塘沽区、120107）自动转为现区划并给出警告",
                  example="和平区"),
    agency_column("address", required=True, example="天津市和平区南京路100号"),
    agency_column("legal_rep", required=True, example="张伟"),
    agency_column("legal_rep_id_type", "code", required=True, source="id_type", help=CHOOSE_HINT,
                  example="居民身份证"),
    agency_column("legal_rep_id_no", "id_no", required=True, text_format=True,
                  example="11010519491231002X",
                  help="居民身份证为18位，校验末位和出生日期；末位X请大写"),
    agency_column("contact", example="李娜"),
    agency_column("phone", "phone", text_format=True,
                  help="固定电话或手机号码，如 022-23456789", example="022-23456789"),
    agency_column("founded_on", "date", help=DATE_HINT, example="2012-05-18"),
    Column("license_number", "许可证编号", LICENSE_GROUP, max_len=60, text_format=True,
           help="持有人力资源服务许可证的填写；填写后发证日期和许可事项必填",
           example="（津）人服证字〔2015〕第01010012号"),
    Column("license_issued_on", "发证日期", LICENSE_GROUP, "date", help=DATE_HINT, example="2015-06-30"),
    Column("license_valid_until", "有效期至", LICENSE_GROUP, "date", help=DATE_HINT + "；不得早于发证日期",
           example="2025-06-29"),
    Column("license_items", "许可事项", LICENSE_GROUP, "codes", source="license_item", max_len=500,
           help=ITEMS_HINT, example="为用人单位推荐劳动者、为劳动者介绍用人单位"),
    Column("license_status", "许可证状态", LICENSE_GROUP, "code", source="license_status",
           help="不填视为有效", example="有效"),
    Column("filing_number", "备案编号", FILING_GROUP, max_len=60, text_format=True,
           help="已办理业务备案的填写；填写后备案日期和备案事项必填；许可证编号和备案编号至少填写一项",
           example="津人服备字〔2016〕第01010021号"),
    Column("filed_on", "备案日期", FILING_GROUP, "date", help=DATE_HINT, example="2016-03-01"),
    Column("filing_items", "备案事项", FILING_GROUP, "codes", source="filing_item", max_len=500,
           help=ITEMS_HINT, example="人力资源管理咨询、人力资源培训"),
    Column("filing_status", "备案状态", FILING_GROUP, "code", source="filing_status",
           help="不填视为有效", example="有效"),
    Column("status", "机构状态", STATUS_GROUP, "code", source="agency_status",
           help="不填视为有效；已注销的机构须填写注销日期", example="有效"),
    Column("deregistered_on", "注销日期", STATUS_GROUP, "date", help=DATE_HINT + "；机构状态为已注销时必填"),
)
BY_KEY = {column.key: column for column in COLUMNS}
GROUPS = (AGENCY_GROUP, LICENSE_GROUP, FILING_GROUP, STATUS_GROUP)


def header_key(text: str) -> str:
    """A header cell as typed (marks, spaces, full-width asterisks removed) for matching."""
    return "".join(text.split()).lstrip(REQUIRED_MARK + "＊")
