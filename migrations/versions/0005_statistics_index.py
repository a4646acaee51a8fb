"""statistics: each agency's first grant year kept by triggers, covering indexes for both counts

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 13:00:00

An agency is new in the year of its first licence or filing (DOMAIN.md, 统计分析). Counting
that per year and district with min() over licences and filings takes ~300 ms for 100,000
agencies; its year kept on the agency row by triggers (whatever writes licences and filings:
the workflows, the history import, COPY), the count is an index-only scan already in GROUP BY
order (~14 ms).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

DEREGISTERED = sa.text("status = 'deregistered'")
# (table, its grant date column)
SOURCES = (('licenses', 'issued_on'), ('filings', 'filed_on'))
# The year of a date column, per dialect.
YEAR = {'postgresql': 'CAST(extract(year FROM {}) AS integer)',
        'sqlite': "CAST(strftime('%Y', {}) AS INTEGER)"}


def first_granted(year: str, agency: str) -> str:
    """The year of an agency's earliest licence or filing, as a scalar subquery."""
    earliest = ("(SELECT min(d) FROM (SELECT issued_on AS d FROM licenses WHERE agency_id = "
                f"{agency} UNION ALL SELECT filed_on FROM filings WHERE agency_id = {agency}) AS u)")
    return year.format(earliest)


def refresh(year: str, agency: str) -> str:
    return (f"UPDATE agencies SET first_granted_year = {first_granted(year, agency)} "
            f"WHERE id = {agency}")


def earlier(year: str, column: str) -> str:
    """After an insert only an earlier year can change the agency's first grant."""
    new = year.format(f"NEW.{column}")
    return (f"UPDATE agencies SET first_granted_year = {new} WHERE id = NEW.agency_id "
            f"AND (first_granted_year IS NULL OR first_granted_year > {new})")


def pg_statements() -> list[str]:
    year = YEAR['postgresql']
    statements = [f"CREATE FUNCTION refresh_first_granted(integer) RETURNS void AS $$ "
                  f"{refresh(year, '$1')} $$ LANGUAGE sql"]
    for table, column in SOURCES:
        statements += [
            f"CREATE FUNCTION {table}_first_granted() RETURNS trigger AS $$ BEGIN "
            f"IF TG_OP = 'INSERT' THEN {earlier(year, column)}; "
            "ELSE PERFORM refresh_first_granted(OLD.agency_id); "
            "IF TG_OP = 'UPDATE' AND NEW.agency_id <> OLD.agency_id THEN "
            "PERFORM refresh_first_granted(NEW.agency_id); END IF; END IF; "
            "RETURN NULL; END $$ LANGUAGE plpgsql",
            f"CREATE TRIGGER {table}_first_granted AFTER INSERT OR DELETE OR UPDATE OF "
            f"{column}, agency_id ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_first_granted()",
        ]
    return statements


def sqlite_statements() -> list[str]:
    year = YEAR['sqlite']
    statements = []
    for table, column in SOURCES:
        statements += [
            f"CREATE TRIGGER {table}_first_granted_insert AFTER INSERT ON {table} "
            f"BEGIN {earlier(year, column)}; END",
            f"CREATE TRIGGER {table}_first_granted_delete AFTER DELETE ON {table} "
            f"BEGIN {refresh(year, 'OLD.agency_id')}; END",
            f"CREATE TRIGGER {table}_first_granted_update AFTER UPDATE OF {column}, agency_id "
            f"ON {table} BEGIN {refresh(year, 'OLD.agency_id')}; "
            f"{refresh(year, 'NEW.agency_id')}; END",
        ]
    return statements


def upgrade():
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_granted_year', sa.SmallInteger(), nullable=True))
    op.execute("UPDATE agencies SET first_granted_year = "
               f"{first_granted(YEAR[dialect], 'agencies.id')}")
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.create_index('ix_agencies_first_granted',
                              ['first_granted_year', 'division_code'], unique=False)
        batch_op.create_index('ix_agencies_deregistered', ['deregistered_on', 'division_code'],
                              unique=False, postgresql_where=DEREGISTERED,
                              sqlite_where=DEREGISTERED)
    for statement in pg_statements() if dialect == 'postgresql' else sqlite_statements():
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for table, _ in SOURCES:
            op.execute(f"DROP TRIGGER {table}_first_granted ON {table}")
            op.execute(f"DROP FUNCTION {table}_first_granted()")
        op.execute("DROP FUNCTION refresh_first_granted(integer)")
    else:
        for table, _ in SOURCES:
            for event in ('insert', 'delete', 'update'):
                op.execute(f"DROP TRIGGER {table}_first_granted_{event}")
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.drop_index('ix_agencies_deregistered')
        batch_op.drop_index('ix_agencies_first_granted')
        batch_op.drop_column('first_granted_year')
