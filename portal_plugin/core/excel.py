"""Excel helpers every import and export shares: safe cells, text columns, widths, downloads, uploads."""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any
from urllib.parse import quote

import openpyxl
from defusedxml import DefusedXmlException
from flask import Response
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

from portal_plugin.core.clock import local_zone

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT_FORMAT = "@"
# A value starting with one of these is a formula (or a DDE payload) to a spreadsheet program.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DCE6F4")
RED_FILL = PatternFill("solid", fgColor="F8CBAD")
YELLOW_FILL = PatternFill("solid", fgColor="FFF2CC")
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0"  # a Compound File: an encrypted OOXML file or an old .xls
ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")
MAX_ZIP_ENTRIES = 1000
BLANK_SLACK = 1000  # rows tolerated past a row cap: a header, formatted but empty rows

NOT_XLSX = "文件不是Excel工作簿（.xlsx），请使用【下载模版】下载的模版填写后上传"
ENCRYPTED = "文件已加密：请在Excel中取消密码保护（文件 → 信息 → 保护工作簿）后重新上传"
LEGACY_XLS = "文件是旧版Excel（.xls）格式：请在Excel中另存为“Excel工作簿（*.xlsx）”后重新上传"
NOT_WORKBOOK = "文件是压缩包而不是Excel工作簿（.xlsx），请使用【下载模版】下载的模版填写后上传"
CORRUPT = "文件已损坏或不是有效的Excel工作簿，无法读取；请用Excel打开确认后另存为.xlsx重新上传"
UNSAFE_XML = "文件包含不安全的XML内容（实体声明），已拒绝读取"


def too_many_rows(limit: int) -> str:
    return f"数据超过{limit}行的上限，请分成多个文件分批导入"


def too_big_unzipped(limit: int) -> str:
    return f"文件解压后超过{limit // (1024 * 1024)} MB，已拒绝读取；请删除无关的工作表、图片或分批导入"


class WorkbookProblem(Exception):
    """An upload that cannot be read as a workbook; the message says why, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- writing -------------------------------------------------------------------------------


def sanitise(value: Any) -> Any:
    """A value safe to write into a cell: characters XML cannot hold are replaced."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    return value


def cell(ws: WriteOnlyWorksheet, value: Any, *, text: bool = False) -> WriteOnlyCell:
    """A write-only cell: formula-like text stays text (also after editing), codes text-formatted."""
    made = WriteOnlyCell(ws, value=sanitise(value))
    if isinstance(value, str) and value.startswith(FORMULA_START):
        made.data_type = "s"
        made.quotePrefix = True
    if text:
        made.number_format = TEXT_FORMAT
    return made


def header_cell(ws: WriteOnlyWorksheet, label: str, note: str | None = None) -> WriteOnlyCell:
    made = cell(ws, label)
    made.font = HEADER_FONT
    made.fill = HEADER_FILL
    if note:
        made.comment = Comment(note, "人力资源市场管理系统", width=300, height=160)
    return made


def display_width(text: str) -> int:
    """How many Latin characters wide a text is: Chinese (wide) characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def set_widths(ws: Worksheet | WriteOnlyWorksheet, columns: Sequence[Iterable[str]], *,
               minimum: int = 8, maximum: int = 60) -> None:
    """Fit each column to its widest text (before any row is written to a write-only sheet)."""
    for index, texts in enumerate(columns, start=1):
        widest = max((display_width(t) for t in texts if t), default=0)
        ws.column_dimensions[get_column_letter(index)].width = min(max(widest + 2, minimum), maximum)


def text_columns(ws: Worksheet | WriteOnlyWorksheet, indexes: Iterable[int]) -> None:
    """Text-format whole columns so Excel never turns codes into numbers as they are typed."""
    for index in indexes:
        ws.column_dimensions[get_column_letter(index)].number_format = TEXT_FORMAT


def freeze_header(ws: Worksheet | WriteOnlyWorksheet, width: int) -> None:
    """Freeze the header row and put a filter on it."""
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(width)}1"


def to_bytes(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def download_name(content: str, filter_: str | None, when: dt.datetime | None = None) -> str:
    """`{内容}_{筛选}_{时间}.xlsx`, the download names of every export (time: now, local)."""
    when = when or dt.datetime.now(local_zone())
    parts = [content, filter_, when.strftime("%Y%m%d%H%M")]
    return "_".join(p for p in parts if p) + ".xlsx"


def content_disposition(name: str, fallback: str = "download.xlsx", *, inline: bool = False) -> str:
    """An attachment (or inline) header with the Chinese name as RFC 6266 / 5987 `filename*`."""
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def xlsx_response(data: bytes, name: str, fallback: str = "download.xlsx") -> Response:
    response = Response(data, mimetype=XLSX_MIME)
    response.headers["Content-Disposition"] = content_disposition(name, fallback)
    response.headers["Cache-Control"] = "no-store"
    return response


# --- reading uploads -----------------------------------------------------------------------


def inspect_upload(data: bytes, max_unzipped: int, max_rows: int) -> None:
    """Refuse, by content whatever the file's name, anything that is not a readable .xlsx.

    Encrypted workbooks and old .xls files are Compound Files; a zip must be a workbook; the
    sizes the zip's directory declares bound what reading it can inflate (zip bombs); no sheet
    may hold many more than `max_rows` rows (openpyxl parses a sheet without a declared size
    whole while opening it, so the rows are counted first, streaming, in the raw XML).
    """
    if data.startswith(OLE_SIGNATURE):
        raise WorkbookProblem(ENCRYPTED if ENCRYPTION_STREAM in data else LEGACY_XLS)
    if not data.startswith(b"PK"):
        raise WorkbookProblem(NOT_XLSX)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError):
        raise WorkbookProblem(CORRUPT) from None
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise WorkbookProblem(NOT_WORKBOOK)
    if any(entry.flag_bits & 0x1 for entry in entries):
        raise WorkbookProblem(ENCRYPTED)
    if len(entries) > MAX_ZIP_ENTRIES or sum(e.file_size for e in entries) > max_unzipped:
        raise WorkbookProblem(too_big_unzipped(max_unzipped))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for entry in entries:
            if (entry.filename.startswith("xl/worksheets/")
                    and _rows_over(archive, entry, max_rows + 1 + BLANK_SLACK)):
                raise WorkbookProblem(too_many_rows(max_rows))


ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")


def _rows_over(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, limit: int) -> bool:
    """Whether a sheet's XML has more than `limit` row elements (read in 1 MB pieces)."""
    count, tail = 0, b""
    try:
        with archive.open(entry) as part:
            while chunk := part.read(1 << 20):
                piece = tail + chunk
                # A tag cut at the piece's end is counted with the next piece.
                cut = max(len(piece) - 64, 0)
                count += len(ROW_TAG.findall(piece, 0, cut))
                tail = piece[cut:]
                if count > limit:
                    return True
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError):
        raise WorkbookProblem(CORRUPT) from None
    return count + len(ROW_TAG.findall(tail)) > limit


def open_upload(data: bytes) -> Workbook:
    """The workbook, read-only with cached values (no formula is ever evaluated or kept)."""
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises anything at all on malformed parts
        raise _problem(exc) from None


def guarded(rows: Iterator[Any]) -> Iterator[Any]:
    """Rows of a read-only sheet; a part that fails to parse while streaming is a WorkbookProblem."""
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # as in open_upload: malformed XML raises anything
            raise _problem(exc) from None
        yield row


def _problem(exc: BaseException | None) -> WorkbookProblem:
    """The upload's problem; openpyxl re-raises some parse errors, so the chain is searched."""
    while exc is not None:
        if isinstance(exc, DefusedXmlException):
            return WorkbookProblem(UNSAFE_XML)
        exc = exc.__cause__ or exc.__context__
    return WorkbookProblem(CORRUPT)
