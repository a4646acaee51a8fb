"""CLI commands: reference data (`flask seed`) and demo data (`flask demo-data`)."""

from __future__ import annotations

import datetime as dt

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from portal_plugin import seed
from portal_plugin.extensions import db
from portal_plugin.models import Agency, Filing, License
from workflows import calendar


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


DEMO_AGENCIES = (
    # name, credit code, type, division, address, legal rep, ID number
    ("津和人力资源服务有限公司", "91120101MA05R7XQ0P", "T02", "120101", "天津市和平区南京路100号",
     "张伟", "11010519491231002X"),
    ("河西英才咨询有限公司", "91120103MA06B1TN4Q", "T02", "120103", "天津市河西区友谊路20号",
     "李娜", "11010519491231002X"),
    ("天津市公共就业服务中心", "52120000MJ0123456D", "T08", "120101", "天津市和平区贵州路8号",
     "王军", "11010519491231002X"),
)


@click.command("demo-data")
@with_appcontext
def demo_data_command() -> None:
    """Load a few demo agencies with licences and filings (skips what exists)."""
    created = 0
    for name, code, kind, division, address, rep, rep_id in DEMO_AGENCIES:
        if db.session.scalar(select(Agency.id).where(Agency.credit_code == code)):
            continue
        agency = Agency(name=name, credit_code=code, agency_type=kind, division_code=division,
                        address=address, legal_rep=rep, legal_rep_id_no=rep_id,
                        legal_rep_id_type="resident_id", source="entry",
                        founded_on=dt.date(2018, 5, 1))
        seq = len(DEMO_AGENCIES) + created
        agency.licenses.append(License(
            license_number=f"（津）人服证字〔2024〕第{division[2:]}{seq:04d}号",
            decision_number=f"津人社许准字〔2024〕{seq}号", items=["L01", "L02"],
            issued_on=dt.date(2024, 3, 1), valid_until=dt.date(2029, 2, 28),
            issuing_division=division, source="entry"))
        agency.filings.append(Filing(
            filing_number=f"津人服备字〔2024〕第{division[2:]}{seq:04d}号", items=["F01", "F03"],
            filed_on=dt.date(2024, 3, 15), source="entry"))
        db.session.add(agency)
        created += 1
    db.session.commit()
    click.echo(f"demo data: {created} agencies created")


def register(app: Flask) -> None:
    app.cli.add_command(seed_command)
    app.cli.add_command(calendar.calendar_command)
    app.cli.add_command(demo_data_command)
