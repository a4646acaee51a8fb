"""Per-app identity service: the trusted issuers, the verifier, and who is asking right now."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import requests
from flask import Flask, abort, current_app, request
from flask.sessions import SessionMixin

from portal_plugin.core.identity import Identity
from portal_plugin.core.permissions import Role
from sso import session as plugin_session
from sso.claims import ClaimNames, identity_from_claims, load_role_map
from sso.tokens import KeySet, TokenError, TokenVerifier

log = logging.getLogger(__name__)


def http_jwks(issuer: str, timeout: float) -> Callable[[], dict[str, Any]]:
    """A JWKS fetcher that follows the issuer's discovery document to its jwks_uri."""
    discovered: dict[str, str] = {}

    def fetch() -> dict[str, Any]:
        if "jwks_uri" not in discovered:
            url = issuer.rstrip("/") + "/.well-known/openid-configuration"
            meta = requests.get(url, timeout=timeout)
            meta.raise_for_status()
            discovered["jwks_uri"] = meta.json()["jwks_uri"]
        response = requests.get(discovered["jwks_uri"], timeout=timeout)
        response.raise_for_status()
        return response.json()

    return fetch


class SSO:
    """Everything identity needs for one app; lives in app.extensions['hrm_sso']."""

    def __init__(self, app: Flask, extra_issuers: dict[str, KeySet] | None = None) -> None:
        cfg = app.config
        self.role_map: dict[str, Role] = load_role_map(cfg.get("SSO_ROLE_MAP"))
        self.claim_names = ClaimNames.from_config(cfg)
        self.required_amr: str | None = cfg.get("SSO_REQUIRED_AMR")
        issuers: dict[str, KeySet] = dict(extra_issuers or {})
        if cfg.get("SSO_ISSUER"):
            issuers[cfg["SSO_ISSUER"]] = KeySet(
                http_jwks(cfg["SSO_ISSUER"], cfg["SSO_HTTP_TIMEOUT_SECONDS"]),
                min_refetch_seconds=cfg["SSO_JWKS_MIN_REFETCH_SECONDS"],
                ttl_seconds=cfg["SSO_JWKS_TTL_SECONDS"],
            )
        self.verifier = TokenVerifier(
            issuers,
            audience=cfg["SSO_AUDIENCE"],
            leeway_seconds=cfg["SSO_LEEWAY_SECONDS"],
            access_token_typ=cfg["SSO_ACCESS_TOKEN_TYP"],
        )

    def identity(self, claims: dict[str, Any], names: ClaimNames | None = None) -> Identity:
        return identity_from_claims(
            claims,
            role_map=self.role_map,
            names=names or self.claim_names,
            required_amr=self.required_amr,
        )

    def identity_for_request(self) -> Identity | None:
        """Bearer token if the request carries one (and then only it), else the session."""
        header = request.headers.get("Authorization")
        if header is not None:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                log.info("401: unsupported Authorization scheme on %s", request.path)
                abort(401)
            try:
                claims = self.verifier.verify_access_token(token.strip())
            except TokenError as exc:
                log.info("401: bearer token refused on %s: %s", request.path, exc)
                abort(401)
            return self.identity(claims)
        claims = plugin_session.current_claims()
        # Session claims are stored under the standard names (see sso.session.start).
        return self.identity(claims, ClaimNames()) if claims else None

    def start_session(self, claims: dict[str, Any], into: SessionMixin | None = None) -> None:
        """Keep the few claims identity needs, under the standard names, until the token ends."""
        names = self.claim_names
        plugin_session.start(
            {
                "sub": claims.get("sub"),
                "name": claims.get(names.name),
                "division": claims.get(names.division),
                "roles": claims.get(names.roles),
                "org_credit_code": claims.get(names.org),
                "amr": claims.get("amr"),
                "sid": claims.get("sid") if isinstance(claims.get("sid"), str) else None,
            },
            token_exp=float(claims["exp"]),
            max_seconds=current_app.config["SSO_SESSION_MAX_SECONDS"],
            into=into,
        )


def uses_bearer() -> bool:
    """Whether this request authenticates by bearer token (and so carries no CSRF risk)."""
    return request.headers.get("Authorization", "").lower().startswith("bearer ")


def sso_for(app: Flask) -> SSO:
    return app.extensions["hrm_sso"]
