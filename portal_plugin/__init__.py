"""人力资源市场管理系统: the HR-market administration plugin the 金保二期 portal mounts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from portal_plugin.core.config import VERSION

if TYPE_CHECKING:
    from flask import Flask

__version__ = VERSION


# Imported lazily so that sso/ and workflows/ can import portal_plugin.core
# without a cycle through the factory.
def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the standalone application (see portal_plugin.app.create_app)."""
    from portal_plugin.app import create_app as factory

    return factory(test_config)


def init_app(host_app: Flask, url_prefix: str = "") -> None:
    """Mount the bundle on a host Flask app (see portal_plugin.app.init_app)."""
    from portal_plugin.app import init_app as mount

    mount(host_app, url_prefix)
