"""Append-only audit events: who did what to which record, when, from where, and why."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from portal_plugin.core.extensions import db
from portal_plugin.core.identity import Identity
from portal_plugin.core.models import AuditEvent


def record(identity: Identity, action: str, object_type: str, object_id: Any, *,
           from_state: str | None = None, to_state: str | None = None,
           reason: str | None = None, data: dict[str, Any] | None = None) -> AuditEvent:
    """Add an audit event to the current transaction (it commits or rolls back with it)."""
    event = AuditEvent(
        actor_id=identity.user_id,
        actor_name=identity.name,
        actor_division=identity.division,
        actor_roles=list(identity.roles),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        data=data,
        remote_addr=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event
