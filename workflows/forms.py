"""HTML application forms as API bodies: the fields are named like the body's JSON paths."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from portal_plugin.core.models import Agency

# The form's own fields, not part of the application.
CONTROLS = ("csrf_token", "intent", "version")


def nested(form: MultiDict[str, str], agency: Agency | None = None) -> dict[str, Any]:
    """`agency.name` → {"agency": {"name": …}}, `items[]` → a list, a blank field → None.

    The plain mapping needs nothing of the agency; case types whose forms compare with the
    registry take it (the same signature, so any case type's mapping is called alike).
    """
    body: dict[str, Any] = {}
    for key in form:
        if key in CONTROLS:
            continue
        target = body
        *parents, last = key.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        if last.endswith("[]"):
            target[last[:-2]] = form.getlist(key)
        else:
            target[last] = form.get(key, "").strip() or None
    return body
