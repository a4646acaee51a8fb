"""The shared Excel helpers: formula-safe cells, text columns, Chinese widths, download names."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
from openpyxl import Workbook

from portal_plugin.core import excel


def written(values: list[object], *, text: bool = False) -> list[openpyxl.cell.Cell]:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("s")
    ws.append([excel.cell(ws, v, text=text) for v in values])
    return list(openpyxl.load_workbook(io.BytesIO(excel.to_bytes(wb)))["s"][1])


def test_formula_like_text_stays_text_and_illegal_characters_are_replaced():
    cells = written(["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "ok\x01"])
    assert [c.value for c in cells] == ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)",
                                        "ok\ufffd"]
    assert all(c.data_type == "s" for c in cells)
    assert all(c.quotePrefix for c in cells[:4])


def test_code_columns_are_text_formatted():
    cell = written(["110105194912310021"], text=True)[0]
    assert cell.value == "110105194912310021" and cell.number_format == "@"


def test_chinese_characters_count_double_in_column_widths():
    assert excel.display_width("统一社会信用代码") == 16 and excel.display_width("ABC") == 3


def test_download_names_are_chinese_with_an_ascii_fallback():
    name = excel.download_name("历史数据导入模版", "批次3", dt.datetime(2026, 11, 27, 9, 5))
    assert name == "历史数据导入模版_批次3_202611270905.xlsx"
    header = excel.content_disposition(name, "template.xlsx")
    assert header.startswith('attachment; filename="template.xlsx"; filename*=UTF-8\'\'')
    assert "%E5%8E%86%E5%8F%B2" in header and "历" not in header
