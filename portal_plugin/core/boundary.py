"""The input boundary: what every request must satisfy before a view (or the database) sees it.

- The body is capped before it is read: multipart uploads at the largest upload the bundle
  takes, everything else (JSON, forms) at REQUEST_MAX_BODY_BYTES; a declared length above the
  cap is 413 at once, a streamed (chunked) body is cut at the cap with 413.
- NUL bytes and lone surrogates (which no database text column can store) are 422 in query
  arguments, form fields, upload names and JSON strings (`clean_json`), naming the field.
- An integer in the URL beyond the primary keys' range is 404, as for any id that exists nowhere.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping
from typing import Any

from flask import request
from werkzeug.exceptions import NotFound, RequestEntityTooLarge

from portal_plugin.core import validation
from portal_plugin.core.errors import Invalid
from portal_plugin.core.models import MAX_ID

# NUL, and UTF-16 surrogate code points standing alone (json.loads lets "\ud800" through).
FORBIDDEN = re.compile("[\x00\ud800-\udfff]")
NUL_TEXT = validation.MESSAGES["control_characters"]
SURROGATE_TEXT = "包含无效的Unicode编码"
# What a multipart form adds around an uploaded file (boundaries, headers, the CSRF token).
FORM_OVERHEAD = 64 * 1024
# The history import's workbook has its own limit (the other forms carry materials).
UPLOAD_BLUEPRINTS = ("hrm.history",)
MATERIALS_PER_FORM = 8  # the most materials a workflow's form lists (core/data/catalog.json)
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def body_cap(config: Mapping[str, Any]) -> int:
    """The most bytes this request's body may have."""
    if request.mimetype == "multipart/form-data":
        if (request.blueprint or "").startswith(UPLOAD_BLUEPRINTS):
            return int(config["HISTORY_IMPORT_MAX_BYTES"]) + FORM_OVERHEAD
        # An application form may carry each of its materials at once.
        return int(config["MATERIAL_MAX_BYTES"]) * MATERIALS_PER_FORM + FORM_OVERHEAD
    return int(config["REQUEST_MAX_BODY_BYTES"])


class _Capped(io.RawIOBase):
    """A body sent without a length (chunked): 413 as soon as it goes past the cap.

    werkzeug's own limit would silently cut such a body at max_content_length instead."""

    def __init__(self, stream: Any, cap: int) -> None:
        self.stream, self.cap, self.seen = stream, cap, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        want = min(len(buffer), self.cap + 1 - self.seen)
        chunk = self.stream.read(want) if want > 0 else b""
        self.seen += len(chunk)
        if self.seen > self.cap:
            raise RequestEntityTooLarge()
        buffer[:len(chunk)] = chunk
        return len(chunk)


def cap_body(config: Mapping[str, Any]) -> None:
    """413 before reading when the declared length is over the cap; a body without a length
    is read through _Capped (413 once past the cap)."""
    cap = body_cap(config)
    if request.content_length is not None:
        request.max_content_length = cap
        if request.content_length > cap:
            raise RequestEntityTooLarge()
    elif "wsgi.input_terminated" in request.environ and "stream" not in request.__dict__:
        request.environ["wsgi.input"] = _Capped(request.environ["wsgi.input"], cap)
        request.max_content_length = cap + 1  # werkzeug's cut lies beyond ours


def bad_text(value: Any) -> str | None:
    """What is wrong with a text (None when nothing): a NUL byte or a lone surrogate."""
    found = FORBIDDEN.search(value) if isinstance(value, str) else None
    if found is None:
        return None
    return NUL_TEXT if found.group() == "\x00" else SURROGATE_TEXT


def _check_pairs(pairs: Iterable[tuple[str, list[str]]], errors: dict[str, str]) -> None:
    for key, values in pairs:
        problem = bad_text(key) or next(filter(None, map(bad_text, values)), None)
        if problem:
            errors[FORBIDDEN.sub("?", key)] = problem


def check_request() -> None:
    """Refuse forbidden characters in the query and in form fields and upload names (422), and
    out-of-range integer URL parts (404)."""
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and not isinstance(value, bool) and not 0 <= value <= MAX_ID:
            raise NotFound()
    errors: dict[str, str] = {}
    _check_pairs(request.args.lists(), errors)
    if request.mimetype in FORM_TYPES and request.method not in ("GET", "HEAD"):
        _check_pairs(request.form.lists(), errors)
        for key, files in request.files.lists():
            problem = next(filter(None, (bad_text(f.filename) for f in files)), None)
            if problem:
                errors[key] = "文件名" + problem
    if errors:
        raise Invalid(errors)


def clean_json(data: Any, path: str = "") -> dict[str, str]:
    """Where forbidden characters occur in a parsed JSON value: {dotted path: message}."""
    errors: dict[str, str] = {}
    if isinstance(data, str):
        problem = bad_text(data)
        if problem:
            errors[path or "body"] = problem
    elif isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            problem = bad_text(key)
            if problem:
                errors[FORBIDDEN.sub("?", where)] = problem
            else:
                errors.update(clean_json(value, where))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            errors.update(clean_json(value, f"{path}[{index}]" if path else f"[{index}]"))
    return errors
