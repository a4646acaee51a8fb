"""Browser-test fixtures: the app on a live server, headless Chromium, signed-in users."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from portal_plugin import create_app
from tests.conftest import Database, base_config

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Flask]]:
    """The app over real HTTP on a fresh SQLite database (the UI is backend-neutral)."""
    tmp = tmp_path_factory.mktemp("browser")
    database = Database("sqlite", tmp_path_factory.mktemp("browser-db"))
    app = create_app(base_config(tmp / "instance", database.url, TESTING=False))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", app
    server.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def as_user(browser, live):  # type: ignore[no-untyped-def]
    """A fresh browser context signed in through the dev portal as a demo user."""
    base, _ = live
    contexts = []

    def sign_in(name: str):  # type: ignore[no-untyped-def]
        context = browser.new_context(base_url=base)
        contexts.append(context)
        page = context.new_page()
        page.goto("/")
        page.get_by_role("button", name=f"以{name}登录").click()
        page.wait_for_url(f"{base}/")
        return page

    yield sign_in
    for context in contexts:
        context.close()
