"""Personal data in answers: lists show 证件号码 and phones masked as the pages do; the full
value comes only from a single-record read by a role that needs it, and that read is audited."""

from __future__ import annotations

from typing import Any

from portal_plugin.core import audit
from portal_plugin.core.identity import Identity

# The keys that hold an identity document number or a phone, in any answer object.
ID_NUMBER_KEYS = frozenset({"legal_rep_id_no", "id_no"})
PHONE_KEYS = frozenset({"phone", "safety_phone", "contact_phone"})
MASKED_NOTE = "masked (e.g. 1201**********123X) in lists and for roles that do not need it"


def mask_id_number(value: str) -> str:
    """`120101199001011234X` → `1201**********123X`: the first and last four stay."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """`13812345678` → `138****5678`, `022-23456789` → `022*****6789`."""
    if len(value) <= 7:
        return value[:1] + "*" * (len(value) - 1) if value else value
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def masked(data: Any) -> Any:
    """The answer (dicts and lists, any depth) with those keys' values masked: copied where a
    value changes, the same object where none does. The input is never changed, and a list
    row without personal data (a case list's rows have none) costs no copy."""
    if isinstance(data, list):
        out: Any = None
        for index, item in enumerate(data):
            if isinstance(item, (dict, list)) and (new := masked(item)) is not item:
                if out is None:
                    out = list(data)
                out[index] = new
        return data if out is None else out
    if not isinstance(data, dict):
        return data
    out = None
    for key, value in data.items():
        # Only containers are descended into: a list row's scalars cost no call each.
        if isinstance(value, (dict, list)):
            new = masked(value)
            if new is value:
                continue
        elif key in ID_NUMBER_KEYS and isinstance(value, str) and value:
            new = mask_id_number(value)
        elif key in PHONE_KEYS and isinstance(value, str) and value:
            new = mask_phone(value)
        else:
            continue
        if out is None:
            out = dict(data)
        out[key] = new
    return data if out is None else out


def fields_in(data: Any) -> set[str]:
    """The personal-data keys with a value anywhere in an answer."""
    if isinstance(data, list):
        return set().union(*(fields_in(item) for item in data)) if data else set()
    if not isinstance(data, dict):
        return set()
    found = {k for k, v in data.items() if k in ID_NUMBER_KEYS | PHONE_KEYS and v}
    return found.union(*(fields_in(v) for v in data.values()))


def full_read(identity: Identity, object_type: str, object_id: Any, answer: dict[str, Any],
              why: str, **whose: Any) -> dict[str, Any]:
    """The answer unmasked, with an audit event of who read whose data (the object, and
    `whose` details) and by which right (the caller commits it); only when the answer holds
    personal data at all."""
    shown = sorted(fields_in(answer))
    if shown:
        audit.record(identity, "read_personal_data", object_type, object_id, reason=why,
                     data={"fields": shown, **whose})
    return answer
