"""Check digits of the 统一社会信用代码 (GB 32100) and the 居民身份证号码 (GB 11643)."""

from __future__ import annotations

import datetime as dt
import re

CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_RE = re.compile(rf"^[{CREDIT_CHARSET}]{{18}}$")
_CREDIT_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_ID_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
_ID_CHECK = "10X98765432"


def credit_code_problem(code: str) -> str | None:
    """Why a 统一社会信用代码 is invalid, in Chinese, or None when it is valid."""
    if not _CREDIT_RE.match(code or ""):
        return "统一社会信用代码应为18位数字或大写字母（不含I、O、Z、S、V）"
    total = sum(CREDIT_CHARSET.index(c) * w for c, w in zip(code, _CREDIT_WEIGHTS, strict=False))
    if CREDIT_CHARSET[(31 - total % 31) % 31] != code[17]:
        return "统一社会信用代码校验位错误"
    return None


def id_number_problem(number: str) -> str | None:
    """Why a 居民身份证号码 is invalid, in Chinese, or None when it is valid."""
    if not _ID_RE.match(number or ""):
        return "居民身份证号码应为18位，末位为数字或X"
    try:
        dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "居民身份证号码中的出生日期无效"
    total = sum(int(c) * w for c, w in zip(number, _ID_WEIGHTS, strict=False))
    if _ID_CHECK[total % 11] != number[17]:
        return "居民身份证号码校验位错误"
    return None


def credit_code_check_char(first17: str) -> str:
    """The check character completing 17 characters into a valid code (demo data, tests)."""
    total = sum(CREDIT_CHARSET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARSET[(31 - total % 31) % 31]
