"""Who is asking: the Identity every permission and jurisdiction check reads."""

from __future__ import annotations

from dataclasses import dataclass, field

from portal_plugin.core.permissions import AGENCY_PERMISSION


@dataclass(frozen=True)
class Identity:
    """Who is asking, recomputed from verified claims on every request."""

    user_id: str
    name: str
    division: str | None
    roles: tuple[str, ...]
    permissions: frozenset[str]
    agency_credit_code: str | None = None
    amr: tuple[str, ...] = ()
    # Why roles the user holds grant nothing (shown on the no-access page), if any.
    denied_reason: str | None = None
    role_labels: tuple[str, ...] = field(default=())

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def can_any(self, permissions: tuple[str, ...] | frozenset[str]) -> bool:
        return not self.permissions.isdisjoint(permissions)

    @property
    def is_officer(self) -> bool:
        return bool(self.permissions - {AGENCY_PERMISSION})

    @property
    def is_agency_clerk(self) -> bool:
        return AGENCY_PERMISSION in self.permissions
