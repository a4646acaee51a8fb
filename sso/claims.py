"""Verified portal claims → the Identity (roles, permissions, division, agency)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from portal_plugin.core.identity import Identity
from portal_plugin.core.permissions import AGENCY_PERMISSION, DEFAULT_ROLES, PERMISSIONS, Role

DIVISION_RE = re.compile(r"^\d{6}$")


class RoleMapError(ValueError):
    """The role-map file is unreadable or names unknown permissions."""


def load_role_map(path: str | None) -> dict[str, Role]:
    """The default 业务角色 map, or the one in a JSON file that redefines it.

    File format: {"ROLE_CODE": {"label": "…", "permissions": ["licensing.accept", …]}, …}
    """
    if not path:
        return dict(DEFAULT_ROLES)
    try:
        with open(path, encoding="utf-8") as fh:
            raw = json.load(fh)
    except (OSError, ValueError) as exc:
        raise RoleMapError(f"SSO_ROLE_MAP {path}: {exc}") from None
    if not isinstance(raw, dict):
        raise RoleMapError(f"SSO_ROLE_MAP {path}: expected an object of role codes")
    roles: dict[str, Role] = {}
    for code, spec in raw.items():
        perms = spec.get("permissions") if isinstance(spec, dict) else None
        if not isinstance(perms, list) or not all(isinstance(p, str) for p in perms):
            raise RoleMapError(f"SSO_ROLE_MAP {path}: role {code} needs a list of permissions")
        unknown = sorted(set(perms) - PERMISSIONS.keys())
        if unknown:
            raise RoleMapError(f"SSO_ROLE_MAP {path}: role {code} names unknown {unknown}")
        roles[code] = Role(code, str(spec.get("label", code)), frozenset(perms))
    return roles


@dataclass(frozen=True)
class ClaimNames:
    roles: str = "roles"
    division: str = "division"
    org: str = "org_credit_code"
    name: str = "name"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ClaimNames:
        return cls(
            roles=config["SSO_ROLES_CLAIM"],
            division=config["SSO_DIVISION_CLAIM"],
            org=config["SSO_ORG_CLAIM"],
            name=config["SSO_NAME_CLAIM"],
        )


# The business claims, by ClaimNames field; `amr` is the ID token's alone (how the user signed in).
BUSINESS_CLAIMS = ("name", "division", "roles", "org")


def merge_userinfo(id_claims: Mapping[str, Any], userinfo: Mapping[str, Any] | None,
                   names: ClaimNames) -> dict[str, Any]:
    """The ID token's claims with the business claims it lacks taken from the userinfo answer
    (a strictly conforming portal releases scope claims only there for the code flow).

    The userinfo answer must be about the same `sub` (OpenID Connect Core 5.3.2).
    """
    merged = dict(id_claims)
    if not userinfo:
        return merged
    if userinfo.get("sub") != id_claims.get("sub"):
        raise ValueError("userinfo sub differs from the ID token's")
    for field in BUSINESS_CLAIMS:
        claim = getattr(names, field)
        if merged.get(claim) in (None, "", []) and userinfo.get(claim) not in (None, "", []):
            merged[claim] = userinfo[claim]
    return merged


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value if isinstance(v, str))
    return ()


def identity_from_claims(
    claims: Mapping[str, Any],
    *,
    role_map: Mapping[str, Role],
    names: ClaimNames,
    required_amr: str | None = None,
) -> Identity:
    """Map verified claims to an Identity; unknown roles grant nothing."""
    roles = _strings(claims.get(names.roles))
    amr = _strings(claims.get("amr"))
    division = claims.get(names.division)
    division = division if isinstance(division, str) and DIVISION_RE.match(division) else None
    org = claims.get(names.org)
    org = org.strip().upper() if isinstance(org, str) and org.strip() else None

    granted: set[str] = set()
    denied: str | None = None
    held = [role_map[r] for r in roles if r in role_map]
    for role in held:
        officer_perms = role.permissions - {AGENCY_PERMISSION}
        if officer_perms:
            if required_amr and required_amr not in amr:
                denied = "请通过电子社保卡扫码登录门户后再使用人社端功能"
                continue
            if division is None:
                denied = f"门户账号缺少所属行政区划（门户未发放声明 {names.division}），请联系门户管理员"
                continue
            granted |= officer_perms
        if AGENCY_PERMISSION in role.permissions:
            if org is None:
                denied = (f"门户账号缺少单位统一社会信用代码（门户未发放声明 {names.org}），"
                          "请联系门户管理员")
            else:
                granted.add(AGENCY_PERMISSION)
    return Identity(
        user_id=str(claims.get("sub", "")),
        name=str(claims.get(names.name) or claims.get("sub", "")),
        division=division,
        roles=roles,
        permissions=frozenset(granted),
        agency_credit_code=org if AGENCY_PERMISSION in granted else None,
        amr=amr,
        denied_reason=None if granted else denied,
        role_labels=tuple(role.label for role in held),
    )
