"""A throwaway PostgreSQL database for a benchmark: created, migrated and seeded, then dropped."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

from portal_plugin import create_app
from portal_plugin.core.extensions import db
from portal_plugin.core.seed import load_catalog, load_divisions


@contextmanager
def database(server: str, prefix: str) -> Iterator[tuple[str, str]]:
    """(name, SQLAlchemy URL) of a new database on `server`'s host, dropped afterwards."""
    url = make_url(server)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    maintenance = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name, url.set(drivername="postgresql+psycopg", database=name).render_as_string(
            hide_password=False)
    finally:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_app(database_url: str, instance: str, **config: Any) -> Flask:
    """The app on a benchmark database (the dev portal on, a fixed key)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": instance,
                      "SECRET_KEY": "bench-" + "k" * 40, "PORTAL_DEV_MODE": True, **config})
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return app


def migrate_and_seed(app: Flask) -> None:
    """The schema and the reference data, as `flask db upgrade` and `flask seed` make them."""
    with app.app_context():
        upgrade()
        load_divisions(app.config["DIVISIONS_FILE"])
        load_catalog(app.config["CATALOG_FILE"])
        db.session.commit()


def city_manager(app: Flask) -> Any:
    """The city's 业务管理岗, whose jurisdiction is every district."""
    return app.extensions["hrm_sso"].identity({
        "sub": "bench:HRM_GL", "name": "基准测试", "division": "120000", "roles": ["HRM_GL"]})
