"""The built-in dev portal (PORTAL_DEV_MODE=1): demo users, its own RSA key, `flask dev-token`.

Its tokens go through exactly the verifier a real portal's do: the dev issuer is one more
trusted issuer whose JWKS is read from the dev portal's key instead of over HTTP.
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import click
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Blueprint, Flask, current_app, redirect, render_template, request, url_for
from flask.cli import with_appcontext
from jose import jwk, jwt
from werkzeug.wrappers import Response

from portal_plugin.core.access import public
from portal_plugin.core.config import create_once
from sso.auth import sso_for
from sso.claims import ClaimNames
from sso.login import safe_next
from sso.tokens import KeySet

DEV_ISSUER = "urn:hrm:dev-portal"
TOKEN_TTL_SECONDS = 8 * 3600


@dataclass(frozen=True)
class DemoUser:
    key: str
    name: str
    title: str
    division: str
    roles: tuple[str, ...]
    org_credit_code: str | None = None


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("city-sl", "王敏", "市局 受理岗", "120000", ("HRM_SL",)),
    DemoUser("city-sh", "李强", "市局 审核岗", "120000", ("HRM_SH",)),
    DemoUser("city-gl", "赵静", "市局 业务管理岗", "120000", ("HRM_GL",)),
    DemoUser("hp-sl", "陈晨", "和平区 受理岗", "120101", ("HRM_SL",)),
    DemoUser("hp-sh", "刘洋", "和平区 审核岗", "120101", ("HRM_SH",)),
    DemoUser("hx-sl", "孙丽", "河西区 受理岗", "120103", ("HRM_SL",)),
    DemoUser("hp-cx", "周杰", "和平区 查询岗", "120101", ("HRM_CX",)),
    DemoUser("clerk", "吴芳", "机构经办人（津和人力资源服务有限公司）", "120101", ("HRM_JG",),
             "91120101MA05R7XQ0P"),
    DemoUser("clerk2", "郑涛", "机构经办人（海河英才人力资源咨询有限公司）", "120103", ("HRM_JG",),
             "91120103MA06B1TN4Q"),
    # An agency the registry does not hold yet: the main workflow (申请行政许可) from the start.
    DemoUser("clerk3", "冯雪", "机构经办人（南开博才人才服务有限公司，尚未取得许可或备案，可申请行政许可）",
             "120104", ("HRM_JG",), "91120104MA0NEW0017"),
    DemoUser("nobody", "钱多", "未分配业务角色的门户用户", "120101", ("PORTAL_USER",)),
)


class DevPortal:
    """The dev portal's signing key (made once, kept in the instance folder) and its tokens."""

    def __init__(self, instance_path: str, audience: str, client_id: str,
                 names: ClaimNames) -> None:
        self.key_path = os.path.join(instance_path, "dev-portal", "signing-key.pem")
        self.audience = audience
        self.client_id = client_id
        self.names = names

    @cached_property
    def _private_pem(self) -> bytes:
        def make() -> bytes:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            return key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )

        return create_once(self.key_path, make)

    @cached_property
    def public_jwk(self) -> dict[str, Any]:
        public = jwk.construct(self._private_pem, "RS256").public_key().to_dict()
        public = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in public.items()}
        kid = uuid.uuid5(uuid.NAMESPACE_URL, public["n"]).hex[:16]
        return {**public, "kid": kid, "use": "sig", "alg": "RS256"}

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.public_jwk]}

    def mint(self, user: dict[str, Any], *, access: bool = True,
             ttl: int = TOKEN_TTL_SECONDS) -> str:
        """A signed token for a user's standard claims: an API access token, or an ID token."""
        now = int(time.time())
        rename = {"name": self.names.name, "division": self.names.division,
                  "roles": self.names.roles, "org_credit_code": self.names.org}
        claims = {
            **{rename.get(k, k): v for k, v in user.items() if v is not None},
            "iss": DEV_ISSUER,
            "aud": self.audience if access else self.client_id,
            "iat": now,
            "exp": now + ttl,
            "jti": uuid.uuid4().hex,
            "amr": user.get("amr") or ["dev"],
        }
        headers = {"kid": self.public_jwk["kid"], "typ": "at+jwt" if access else "JWT"}
        return jwt.encode(claims, self._private_pem.decode(), algorithm="RS256", headers=headers)

    def key_set(self) -> KeySet:
        return KeySet(self.jwks)


def dev_portal_for(app: Flask) -> DevPortal:
    return app.extensions["hrm_dev_portal"]


def demo_claims(user: DemoUser) -> dict[str, Any]:
    return {
        "sub": f"dev:{user.key}",
        "name": user.name,
        "division": user.division,
        "roles": list(user.roles),
        "org_credit_code": user.org_credit_code,
    }


bp = Blueprint("dev_portal", __name__, url_prefix="/dev-portal")


@bp.get("/")
@public
def login_page() -> str:
    """List the demo users to sign in as."""
    return render_template("hrm/sso/dev_portal.html", users=DEMO_USERS,
                           next=safe_next(request.args.get("next")))


@bp.post("/login")
@public
def login() -> Response:
    """Sign in as a demo user: mint an ID token and verify it like a real portal's."""
    user = next((u for u in DEMO_USERS if u.key == request.form.get("user")), None)
    if user is None:
        return redirect(url_for(".login_page"))
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    token = dev_portal_for(app).mint(demo_claims(user), access=False)
    claims = sso_for(app).verifier.verify_id_token(token, audience=app.config["SSO_CLIENT_ID"])
    sso_for(app).start_session(claims)
    return redirect(safe_next(request.form.get("next")))


@bp.get("/jwks.json")
@public
def jwks() -> dict[str, Any]:
    """Publish the dev portal's public key."""
    return dev_portal_for(current_app).jwks()  # type: ignore[arg-type]


@click.command("dev-token")
@with_appcontext
@click.option("--sub", required=True, help="portal user id")
@click.option("--name", required=True, help="display name")
@click.option("--division", required=True, help="6-digit 行政区划 code")
@click.option("--roles", required=True, help="comma-separated 业务角色 codes")
@click.option("--org-credit-code", default=None, help="the clerk's agency credit code")
@click.option("--ttl", default=TOKEN_TTL_SECONDS, show_default=True, help="seconds")
def dev_token_command(sub: str, name: str, division: str, roles: str,
                      org_credit_code: str | None, ttl: int) -> None:
    """Print a bearer token signed by the dev portal (PORTAL_DEV_MODE=1 only)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config.get("PORTAL_DEV_MODE"):
        raise click.ClickException("dev-token needs PORTAL_DEV_MODE=1")
    claims = {"sub": sub, "name": name, "division": division,
              "roles": [r.strip() for r in roles.split(",") if r.strip()],
              "org_credit_code": org_credit_code}
    click.echo(dev_portal_for(app).mint(claims, ttl=ttl))
