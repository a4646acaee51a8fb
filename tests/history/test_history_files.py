"""Malicious and broken uploads: one clear message each, nothing imported, no 500, bounded memory."""

from __future__ import annotations

import io
import tracemalloc
import zipfile

import openpyxl
import pytest

from portal_plugin.core import excel
from portal_plugin.history import workbook
from portal_plugin.history.spec import COLUMNS, VERSION_NAME
from tests.history.conftest import fill, row
from tests.kit import CITY

BOMB = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                   for i in range(1, 10))
        + b']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
          b'uniqueCount="1"><si><t>&lol9;</t></si></sst>')
SHEET_NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


SHARED_STRINGS = (b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                  b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')


def replace_parts(data: bytes, parts: dict[str, bytes]) -> bytes:
    """A copy of a zip with some members' contents replaced or added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, parts.get(item.filename, source.read(item.filename)))
        for name in parts.keys() - set(source.namelist()):
            target.writestr(name, parts[name])
    return out.getvalue()


def with_shared_strings(data: bytes, strings: bytes) -> bytes:
    """A workbook with a shared-strings part (openpyxl itself writes inline strings)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        types = archive.read("[Content_Types].xml").replace(b"</Types>", SHARED_STRINGS)
    return replace_parts(data, {"xl/sharedStrings.xml": strings, "[Content_Types].xml": types})


def data_sheet_part(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return next(n for n in archive.namelist() if n.startswith("xl/worksheets/sheet1"))


MILLIONS: dict[bool, bytes] = {}  # built once per run: every template is the same but its timestamps


def million_rows(template: bytes, *, declared: bool) -> bytes:
    """The template with a 1,000,000-row data sheet, streamed into the zip (never in memory)."""
    if declared not in MILLIONS:
        MILLIONS[declared] = _million_rows(template, declared=declared)
    return MILLIONS[declared]


def _million_rows(template: bytes, *, declared: bool) -> bytes:
    out = io.BytesIO()
    part = data_sheet_part(template)
    with zipfile.ZipFile(io.BytesIO(template)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != part:
                target.writestr(item.filename, source.read(item.filename))
                continue
            with target.open(part, "w", force_zip64=True) as sheet:
                sheet.write(b'<?xml version="1.0"?><worksheet ' + SHEET_NS + b">")
                if declared:
                    sheet.write(b'<dimension ref="A1:V1000001"/>')
                sheet.write(b"<sheetData><row r=\"1\">")
                for index, column in enumerate(COLUMNS, start=1):
                    ref = openpyxl.utils.get_column_letter(index)
                    sheet.write(f'<c r="{ref}1" t="inlineStr"><is><t>{column.title}</t></is></c>'
                                .encode())
                sheet.write(b"</row>")
                for start in range(2, 1_000_002, 10_000):
                    sheet.write(b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (n, n, n)
                                         for n in range(start, start + 10_000)))
                sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def with_version(template: bytes, version: str) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(template))
    wb.defined_names[VERSION_NAME].attr_text = f'"{version}"'
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def with_headers(template: bytes, **renamed: str) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(template))
    ws = wb.worksheets[0]
    for cell in ws[1]:
        cell.value = renamed.get(cell.value, cell.value)
    ws.cell(2, 1, "某机构")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def plain_zip(**members: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def blank_workbook() -> bytes:
    out = io.BytesIO()
    openpyxl.Workbook().save(out)
    return out.getvalue()


CASES = {
    "a text file renamed .xlsx": (lambda t: "统一社会信用代码,机构名称\n".encode() * 50, excel.NOT_XLSX),
    "a zip that is not a workbook": (lambda t: plain_zip(**{"readme.txt": b"hello"}),
                                     excel.NOT_WORKBOOK),
    "a word document": (lambda t: plain_zip(**{"[Content_Types].xml": b"<Types/>",
                                               "word/document.xml": b"<w/>"}), excel.NOT_WORKBOOK),
    "an encrypted workbook": (lambda t: excel.OLE_SIGNATURE + b"\xa1\xb1\x1a\xe1" + b"\0" * 1024
                              + excel.ENCRYPTION_STREAM + b"\0" * 2048, excel.ENCRYPTED),
    "an old .xls workbook": (lambda t: excel.OLE_SIGNATURE + b"\xa1\xb1\x1a\xe1" + b"\0" * 4096,
                             excel.LEGACY_XLS),
    "a truncated workbook": (lambda t: fill(t, [row(1)])[:3000], excel.CORRUPT),
    "billion laughs in the shared strings": (
        lambda t: with_shared_strings(fill(t, [row(1)]), BOMB),
        excel.UNSAFE_XML),
    "billion laughs in the data sheet": (
        lambda t: replace_parts(t, {data_sheet_part(t): BOMB.replace(b"<sst", b"<worksheet")
                                    .replace(b"</sst>", b"</worksheet>")}), excel.UNSAFE_XML),
    "a million rows, declared": (lambda t: million_rows(t, declared=True),
                                 excel.too_many_rows(20_000)),
    "an empty workbook": (lambda t: blank_workbook(), workbook.NOT_TEMPLATE),
    "the template without rows": (lambda t: t, workbook.NO_DATA),
    "an outdated template": (lambda t: with_version(fill(t, [row(1)]), "0"), workbook.outdated("0")),
    "renamed and repeated headers": (
        lambda t: with_headers(t, **{"*住所": "地址", "联系人": "*机构名称"}),
        "表头有误：缺少列“住所”、“联系人”；无法识别的列“地址”；重复的列“机构名称”。"
        "请使用【下载模版】下载的模版，不要增删、重命名或重复表头"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_broken_or_malicious_file_gets_one_clear_message(client, template, upload, gl,
                                                         registry, case):
    make, message = CASES[case]
    before = registry()
    response = upload(make(template), "历史数据.xlsx")
    assert response.status_code == 422, response.data[:300]
    assert response.json["error"]["message"] == message
    assert response.json["error"]["fields"] == {"file": message}
    assert registry() == before
    listed = client.get("/api/v1/history-imports", headers=gl(CITY)).json["items"]
    assert listed[0]["status"] == "failed" and listed[0]["message"] == message


def test_a_million_undeclared_rows_are_counted_before_parsing_with_bounded_memory(
        template, upload, registry):
    data = million_rows(template, declared=False)
    before = registry()
    tracemalloc.start()
    try:
        response = upload(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 422
    assert response.json["error"]["message"] == excel.too_many_rows(20_000)
    assert peak < 32 * 1024 * 1024, f"peak {peak / 2**20:.0f} MB"
    assert registry() == before


def test_rows_past_the_cap_are_counted_while_streaming(make_app, auth_header, template):
    app = make_app(HISTORY_IMPORT_MAX_ROWS=30)
    response = app.test_client().post(
        "/api/v1/history-imports", headers=auth_header("HRM_GL", CITY),
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(fill(template, [row(n) for n in range(1, 32)])), "a.xlsx")})
    assert response.status_code == 422
    assert response.json["error"]["message"] == excel.too_many_rows(30)


def test_a_zip_bomb_is_refused_from_the_zip_directory(make_app, auth_header):
    app = make_app(HISTORY_IMPORT_MAX_UNZIPPED_BYTES=2 * 1024 * 1024)
    headers = auth_header("HRM_GL", CITY)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (3 * 1024 * 1024))
    assert len(bomb.getvalue()) < 10_000
    response = app.test_client().post(
        "/api/v1/history-imports", headers=headers, content_type="multipart/form-data",
        data={"file": (io.BytesIO(bomb.getvalue()), "bomb.xlsx")})
    assert response.status_code == 422
    assert response.json["error"]["message"] == excel.too_big_unzipped(2 * 1024 * 1024)


def test_a_file_over_the_size_cap_is_413(make_app, auth_header):
    app = make_app(HISTORY_IMPORT_MAX_BYTES=50_000)
    response = app.test_client().post(
        "/api/v1/history-imports", headers=auth_header("HRM_GL", CITY),
        content_type="multipart/form-data", data={"file": (io.BytesIO(b"PK" + b"x" * 60_000), "a.xlsx")})
    assert response.status_code == 413
    assert response.json["error"]["code"] in ("too_large", "request_entity_too_large")


def test_an_upload_without_a_file_is_422(client, gl):
    response = client.post("/api/v1/history-imports", headers=gl(CITY), data={},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"file": "请选择要上传的文件"}
