"""CLI commands: reference data (`flask seed`), demo data (`flask demo-data`), the daily
lifecycle run (`flask lifecycle run`)."""

from __future__ import annotations

import datetime as dt

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from portal_plugin import demo
from portal_plugin.core import clock, seed
from portal_plugin.core.extensions import db
from workflows import calendar, lifecycle


@click.command("seed")
@with_appcontext
@click.option("--divisions", "divisions_file", default=None,
              help="JSON file of a city's divisions (default: DIVISIONS_FILE, Tianjin)")
def seed_command(divisions_file: str | None) -> None:
    """Load divisions and the code catalogue (idempotent)."""
    cfg = current_app.config
    divisions = seed.load_divisions(divisions_file or cfg["DIVISIONS_FILE"])
    codes = seed.load_catalog(cfg["CATALOG_FILE"])
    this_year = dt.date.today().year
    years = calendar.load_years_from_package([this_year, this_year + 1])
    db.session.commit()
    click.echo(f"seeded {divisions} divisions, {codes} catalogue codes, "
               f"holiday calendar for {years or 'no year'}")


@click.command("demo-data")
@with_appcontext
def demo_data_command() -> None:
    """Load demo agencies and cases in every state of every workflow (once)."""
    made = demo.load()
    click.echo(f"demo data: {made} cases created" if made else "demo data: already present")


@click.group("lifecycle")
def lifecycle_group() -> None:
    """The licence's life: the daily run (expiries, deemed renewals)."""


@lifecycle_group.command("run")
@with_appcontext
@click.option("--today", "day", default=None, metavar="YYYY-MM-DD",
              help="the day to run for (default: the bureau's local date); for tests and back-fill")
def lifecycle_run_command(day: str | None) -> None:
    """Record expired licences, deem undecided renewals granted, close emptied agencies
    (idempotent: run it daily from cron or a Kubernetes CronJob)."""
    try:
        today = dt.date.fromisoformat(day) if day else clock.today()
    except ValueError:
        raise click.BadParameter("应为 YYYY-MM-DD 格式的日期", param_hint="--today") from None
    for line in lifecycle.run(today).lines():
        click.echo(line)


def register(app: Flask) -> None:
    app.cli.add_command(seed_command)
    app.cli.add_command(calendar.calendar_command)
    app.cli.add_command(seed.authority_command)
    app.cli.add_command(demo_data_command)
    app.cli.add_command(lifecycle_group)
