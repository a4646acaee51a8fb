"""One declaration per view: its permission and menu item; the endpoint table and menus built from it."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, abort, current_app, g, request, url_for

from portal_plugin.core.identity import Identity
from portal_plugin.core.permissions import PERMISSIONS

F = TypeVar("F", bound=Callable[..., Any])

BUREAU_SIDE = "bureau"  # a menu item of the bureau's officers
AGENCY_SIDE = "agency"  # a menu item of the agencies' clerks (单位端)


@dataclass(frozen=True)
class MenuItem:
    """A menu entry: the manual's function name, its group, and its place in the menu."""

    label: str
    group: str
    order: int
    side: str = BUREAU_SIDE


@dataclass(frozen=True)
class Access:
    """Who may call a view: anyone (public), any recognised user, or holders of a permission."""

    permissions: frozenset[str] = frozenset()
    public: bool = False
    menu: MenuItem | None = None

    def allows(self, identity: Identity | None) -> bool:
        if self.public:
            return True
        if identity is None or not identity.permissions:
            return False
        return not self.permissions or identity.can_any(self.permissions)


class DeclarationError(RuntimeError):
    """A view lacks a declaration, or declarations collide; the app refuses to start."""


class NoAccess(Exception):
    """A recognised user whose portal roles grant nothing here (not a login problem)."""


def _declare(access: Access) -> Callable[[F], F]:
    unknown = access.permissions - PERMISSIONS.keys()
    if unknown:
        raise DeclarationError(f"unknown permission(s) {sorted(unknown)}")

    def decorator(view: F) -> F:
        if access.public:
            view.hrm_access = access  # type: ignore[attr-defined]
            return view

        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            identity = current_identity()
            if identity is None:
                abort(401)
            if not identity.permissions:
                raise NoAccess()
            if not access.allows(identity):
                abort(403)
            return view(*args, **kwargs)

        guarded.hrm_access = access  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorator


def requires(*permissions: str, menu: MenuItem | None = None) -> Callable[[F], F]:
    """Declare that a view needs any one of these permissions, and optionally its menu item."""
    if not permissions:
        raise DeclarationError("requires() needs at least one permission; use signed_in()")
    return _declare(Access(frozenset(permissions), menu=menu))


def signed_in(view: F) -> F:
    """Declare a view open to every recognised user who holds at least one permission."""
    return _declare(Access())(view)


def public(view: F) -> F:
    """Declare a view that needs no identity (portal hooks, login, health)."""
    return _declare(Access(public=True))(view)


def identity() -> Identity:
    """The identity of a guarded view (its declaration has already refused anonymous calls)."""
    who = current_identity()
    assert who is not None, "identity() used in a public view"
    return who


def current_identity() -> Identity | None:
    """Who is asking: resolved once per request from the bearer token or the session."""
    if "hrm_identity" not in g:
        g.hrm_identity = current_app.extensions["hrm_sso"].identity_for_request()
    return g.hrm_identity


@dataclass(frozen=True)
class Declared:
    endpoint: str
    access: Access


def declared(app: Flask) -> list[Declared]:
    """Every declared endpoint of the bundle, menu items in menu order first."""
    return app.extensions["hrm_declarations"]


def check_declarations(app: Flask, endpoints: Iterable[str]) -> list[Declared]:
    """Fail start-up on an undeclared endpoint or a duplicated menu label; return the endpoint table."""
    found: list[Declared] = []
    labels: dict[str, str] = {}
    for endpoint in endpoints:
        access = getattr(app.view_functions[endpoint], "hrm_access", None)
        if access is None:
            raise DeclarationError(
                f"endpoint {endpoint!r} declares no permission (use requires/signed_in/public)"
            )
        if access.menu:
            if len(access.permissions) != 1:
                raise DeclarationError(f"menu item of {endpoint!r} needs exactly one permission")
            if access.menu.label in labels:
                raise DeclarationError(
                    f"menu label {access.menu.label!r} used by {labels[access.menu.label]!r} "
                    f"and {endpoint!r}"
                )
            labels[access.menu.label] = endpoint
        found.append(Declared(endpoint, access))
    found.sort(key=lambda r: (r.access.menu is None, r.access.menu.order if r.access.menu else 0))
    return found


def menu_entries(app: Flask, identity: Identity | None, *, everything: bool = False
                 ) -> list[dict[str, Any]]:
    """The menu items this identity may use (or all of them), in menu order, URLs from url_for.

    Every page shows the menu, and it depends only on the permissions and the mount prefix, so
    each combination is built once per process.
    """
    permissions = identity.permissions if identity is not None else frozenset()
    key = (permissions, everything, request.script_root)
    built: dict[Any, list[dict[str, Any]]] = app.extensions.setdefault("hrm_menus", {})
    if key not in built:
        built[key] = [
            {
                "label": reg.access.menu.label,
                "url": url_for(reg.endpoint),
                "permission": next(iter(reg.access.permissions)),
                "group": reg.access.menu.group,
                "order": reg.access.menu.order,
                "side": reg.access.menu.side,
            }
            for reg in declared(app)
            if reg.access.menu and (everything or reg.access.allows(identity))
        ]
    return [dict(entry) for entry in built[key]]


def grouped(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Menu entries grouped as the manual orders them."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        groups.setdefault(entry["group"], []).append(entry)
    return [{"label": label, "items": items} for label, items in groups.items()]
