"""The history import's workbooks: the template, reading an upload, and the error report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook import Workbook
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.datavalidation import DataValidation

from portal_plugin.core import excel
from portal_plugin.core.excel import WorkbookProblem
from portal_plugin.history.spec import (
    COLUMNS,
    DATA_SHEET,
    ERRORS_SHEET,
    EXAMPLE_SHEET,
    GUIDE_SHEET,
    LISTS_SHEET,
    RESULT_HEADER,
    TEMPLATE_VERSION,
    VERSION_NAME,
    Column,
    header_key,
)

NOT_TEMPLATE = "文件不是本系统的历史数据导入模版，请点击【下载模版】下载模版，在模版中填写后上传"
NO_DATA_SHEET = f"找不到“{DATA_SHEET}”工作表，请在【下载模版】下载的模版中填写，不要重命名或删除工作表"
NO_DATA = f"“{DATA_SHEET}”工作表中没有数据行：请从第2行起每行填写一个机构"
# A mark on one cell: level (error / warning), problem, how to fix, the value as shown.
Mark = tuple[str, str, str, str]


def outdated(version: str) -> str:
    return (f"模版版本已过期（文件为第{version}版，当前为第{TEMPLATE_VERSION}版），"
            "请点击【下载模版】下载最新模版，将数据复制到新模版后上传")


@dataclass
class Upload:
    """An opened upload whose template and headers passed: the data sheet and where each column is."""

    wb: Workbook
    positions: list[tuple[int, Column]]
    width: int
    max_rows: int

    def rows(self, *, blank: bool = False) -> Iterator[tuple[int, dict[str, Any]]]:
        """(Excel row number, cell values by column key) of each data row, streamed.

        Stops with a WorkbookProblem past the row cap (however the sheet declared its size)
        or when no row has data; blank rows are skipped unless asked for.
        """
        ws = self.wb[DATA_SHEET]
        ws.reset_dimensions()  # a declared size may lie: read every row there is
        count = 0
        rows = excel.guarded(ws.iter_rows(min_row=2, max_col=self.width, values_only=True))
        for number, values in enumerate(rows, start=2):
            raw = {column.key: values[index] for index, column in self.positions}
            filled = any(v is not None and (not isinstance(v, str) or v.strip())
                         for v in raw.values())
            if filled:
                count += 1
            if count > self.max_rows or number > self.max_rows + 1 + excel.BLANK_SLACK:
                raise WorkbookProblem(excel.too_many_rows(self.max_rows))
            if filled or blank:
                yield number, raw
        if count == 0:
            raise WorkbookProblem(NO_DATA)


def read(data: bytes, *, max_rows: int, max_unzipped: int) -> Upload:
    """Open an upload and run every file-level check that precedes the rows."""
    excel.inspect_upload(data, max_unzipped, max_rows)
    wb = excel.open_upload(data)
    name = wb.defined_names.get(VERSION_NAME)
    if name is None:
        raise WorkbookProblem(NOT_TEMPLATE)
    version = (name.attr_text or "").strip('"')
    if version != TEMPLATE_VERSION:
        raise WorkbookProblem(outdated(version[:10]))
    if DATA_SHEET not in wb.sheetnames:
        raise WorkbookProblem(NO_DATA_SHEET)
    ws = wb[DATA_SHEET]
    if ws.max_row is not None and ws.max_row - 1 > max_rows + excel.BLANK_SLACK:
        raise WorkbookProblem(excel.too_many_rows(max_rows))
    header = next(excel.guarded(ws.iter_rows(min_row=1, max_row=1, values_only=True)), ())
    positions = _positions(header)
    return Upload(wb, positions, max(i for i, _ in positions) + 1, max_rows)


def _positions(header: Sequence[Any]) -> list[tuple[int, Column]]:
    by_header = {column.header: column for column in COLUMNS}
    positions: list[tuple[int, Column]] = []
    unknown: list[str] = []
    repeated: list[str] = []
    for index, value in enumerate(header):
        text = header_key(str(value)) if value is not None else ""
        if not text or text == RESULT_HEADER:
            continue
        column = by_header.get(text)
        if column is None:
            unknown.append(text[:30])
        elif any(c is column for _, c in positions):
            repeated.append(text)
        else:
            positions.append((index, column))
    missing = [c.header for c in COLUMNS if all(c is not other for _, other in positions)]
    problems = [f"{what}{'、'.join(f'“{h}”' for h in headers[:10])}"
                for what, headers in (("缺少列", missing), ("无法识别的列", unknown),
                                      ("重复的列", repeated)) if headers]
    if problems:
        raise WorkbookProblem("表头有误：" + "；".join(problems)
                              + "。请使用【下载模版】下载的模版，不要增删、重命名或重复表头")
    return positions


# --- writing -------------------------------------------------------------------------------


def template(choices: Mapping[str, Mapping[str, str]], max_rows: int) -> bytes:
    """The import template: data sheet with drop-downs, instructions, an example, the code lists."""
    wb = Workbook(write_only=True)
    _data_sheet(wb, choices, max_rows)
    _guide_sheet(wb, choices)
    example = wb.create_sheet(EXAMPLE_SHEET)
    _header(example, with_result=False)
    example.append([excel.cell(example, c.example or None, text=c.text_format) for c in COLUMNS])
    _lists_sheet(wb, choices)
    return excel.to_bytes(wb)


def report(upload: Upload, marks: Mapping[tuple[int, str], Mark],
           choices: Mapping[str, Mapping[str, str]]) -> bytes:
    """The user's rows again (every row where it was) with a 校验结果 column, bad cells red
    with a comment, warnings yellow, and an 错误清单 sheet; it can be fixed and re-uploaded."""
    wb = Workbook(write_only=True)
    ws = _data_sheet(wb, choices, upload.max_rows, with_result=True)
    listed: list[tuple[int, Column, Mark]] = []
    for number, raw in upload.rows(blank=True):
        cells = []
        notes = []
        for column in COLUMNS:
            value = raw.get(column.key)
            made = excel.cell(ws, value, text=column.text_format)
            if isinstance(value, dt.datetime) and value.time() == dt.time():
                made.number_format = "yyyy-mm-dd"
            mark = marks.get((number, column.key))
            if mark is not None:
                level, message, hint, _ = mark
                made.fill = excel.RED_FILL if level == "error" else excel.YELLOW_FILL
                made.comment = Comment(f"{message}\n{hint}", "校验结果", width=260, height=100)
                notes.append(f"{'错误' if level == 'error' else '警告'}：{column.header}{message}")
                listed.append((number, column, mark))
            cells.append(made)
        result = "；".join(notes) if notes else ("通过" if any(
            v is not None for v in raw.values()) else None)
        cells.append(excel.cell(ws, result))
        ws.append(cells)
    errors = wb.create_sheet(ERRORS_SHEET)
    titles = ["行号", "列名", "单元格内容", "级别", "问题", "修改建议"]
    excel.set_widths(errors, [[t] for t in titles[:4]] + [["问" * 24], ["修" * 30]])
    excel.freeze_header(errors, len(titles))
    errors.append([excel.header_cell(errors, t) for t in titles])
    for number, column, (level, message, hint, value) in listed:
        errors.append([number, column.header, excel.cell(errors, value),
                       "错误" if level == "error" else "警告", message, hint])
    _lists_sheet(wb, choices)
    return excel.to_bytes(wb)


def _data_sheet(wb: Workbook, choices: Mapping[str, Mapping[str, str]], max_rows: int, *,
                with_result: bool = False) -> WriteOnlyWorksheet:
    ws = wb.create_sheet(DATA_SHEET)
    wb.defined_names[VERSION_NAME] = DefinedName(VERSION_NAME, attr_text=f'"{TEMPLATE_VERSION}"')
    lists = {source: index for index, source in enumerate(choices, start=1)}
    for index, column in enumerate(COLUMNS, start=1):
        source = column.source or (column.kind if column.kind == "division" else None)
        if source is None:
            continue
        letter = get_column_letter(lists[source])
        strict = column.kind == "code"  # several items or an old district may be typed
        rule = DataValidation(
            type="list", allow_blank=True, showErrorMessage=strict,
            formula1=f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(choices[source]) + 1}",
            error="请从下拉列表中选择", errorTitle=column.header)
        rule.add(f"{get_column_letter(index)}2:{get_column_letter(index)}{max_rows + 1}")
        ws.data_validations.append(rule)
    _header(ws, with_result=with_result)
    return ws


def _header(ws: WriteOnlyWorksheet, *, with_result: bool) -> None:
    """Widths, text-formatted code columns, the frozen and filtered header row."""
    extra = [RESULT_HEADER] if with_result else []
    excel.set_widths(ws, [[c.title, c.example] for c in COLUMNS] + [["校验结果" * 6]] * len(extra))
    excel.text_columns(ws, [i for i, c in enumerate(COLUMNS, start=1) if c.text_format])
    excel.freeze_header(ws, len(COLUMNS) + len(extra))
    ws.append([excel.header_cell(ws, c.title, _rule_text(c)) for c in COLUMNS]
              + [excel.header_cell(ws, t) for t in extra])


def _rule_text(column: Column) -> str:
    parts = ["必填" if column.required else "选填"]
    if column.kind in ("text", "id_no", "phone", "credit_code"):
        parts.append(f"不超过{column.max_len}个字")
    if column.help:
        parts.append(column.help)
    return "；".join(parts)


def _guide_sheet(wb: Workbook, choices: Mapping[str, Mapping[str, str]]) -> None:
    ws = wb.create_sheet(GUIDE_SHEET)
    excel.set_widths(ws, [["所属行政区划（机构）"], ["必填"], ["规" * 40], ["可" * 40]])
    ws.append([excel.header_cell(ws, "人力资源服务机构历史数据导入模版")])
    ws.append([f"模版版本：第{TEMPLATE_VERSION}版（上传时校验，请勿修改表头和工作表名称）"])
    ws.append([f"在“{DATA_SHEET}”工作表中从第2行起每行填写一个机构；带*的列必填；"
               "下拉列表来自“代码表”；统一社会信用代码、证件号码、证照编号、电话等列已设为文本格式，"
               "请勿改为数字格式。"])
    ws.append([])
    ws.append([excel.header_cell(ws, t) for t in ("列名", "是否必填", "填写要求", "可选值")])
    for column in COLUMNS:
        source = column.source or (column.kind if column.kind == "division" else None)
        values = "、".join(choices[source].values()) if source else ""
        ws.append([f"{column.header}（{column.group}）", "必填" if column.required else "选填",
                   excel.cell(ws, _rule_text(column)), values])


def _lists_sheet(wb: Workbook, choices: Mapping[str, Mapping[str, str]]) -> None:
    ws = wb.create_sheet(LISTS_SHEET)
    ws.sheet_state = "hidden"
    names = list(choices)
    ws.append(names)
    longest = max(len(values) for values in choices.values())
    columns = [list(choices[name].values()) for name in names]
    for index in range(longest):
        ws.append([col[index] if index < len(col) else None for col in columns])
