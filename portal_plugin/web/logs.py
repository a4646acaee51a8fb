"""JSON logs: one line per event, naming the request id and the user's portal id.

Nothing secret or personal reaches a line: bearer tokens, JWTs, cookies' values and
居民身份证 numbers are masked in the message and in every extra field by the formatter itself,
so a careless `log.info("%s", token)` anywhere is still safe.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

from flask import Flask, g, has_request_context
from pythonjsonlogger.json import JsonFormatter

# A JWT (three base64url parts), a bearer credential, an 18-character 居民身份证 number.
SECRETS = (
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), "[token]"),
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+"), r"\1 [token]"),
    (re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])"), "[id-number]"),
)
# What every one of them starts with or contains: one scan tells that a string (most are
# request ids, paths, levels) holds none, sparing the three replacements (half a log line's cost).
SUSPECT = re.compile(r"eyJ|(?i:bearer)|\d{17}")
MARK = "hrm_json_handler"
FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"


def redact(text: str) -> str:
    if SUSPECT.search(text) is None:
        return text
    for pattern, replacement in SECRETS:
        text = pattern.sub(replacement, text)
    return text


class RequestContext(logging.Filter):
    """Adds `request_id` and `user` (the portal's `sub`) to every record made in a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = g.get("hrm_request_id")
            who = g.get("hrm_identity")
            record.user = getattr(who, "user_id", None)
        return True


class SafeJsonFormatter(JsonFormatter):
    """python-json-logger's formatter, with every string value redacted."""

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return {key: redact(value) if isinstance(value, str) else value
                for key, value in log_data.items()}


def formatter() -> logging.Formatter:
    return SafeJsonFormatter(FIELDS, rename_fields={"levelname": "level", "name": "logger"},
                             json_ensure_ascii=False)


def configure(app: Flask) -> None:
    """Standalone: one JSON handler on the root logger (stderr, which gunicorn collects).

    LOG_FORMAT=text leaves logging as the host configured it. Idempotent: tests build many apps.
    """
    if app.config.get("LOG_FORMAT", "json") != "json":
        return
    root = logging.getLogger()
    if not any(getattr(h, MARK, False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(formatter())
        handler.addFilter(RequestContext())
        setattr(handler, MARK, True)
        root.addHandler(handler)
    level = app.config.get("LOG_LEVEL", "INFO")
    root.setLevel(level)
    for name in ("portal_plugin", "workflows", "sso"):
        logging.getLogger(name).setLevel(level)
