"""job fairs (现场招聘会) registered by agencies, read by the venue's district

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_fairs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('organizer', sa.String(length=200), nullable=False),
    sa.Column('co_organizer', sa.String(length=200), nullable=True),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('venue', sa.String(length=200), nullable=False),
    sa.Column('venue_address', sa.String(length=300), nullable=False),
    sa.Column('division_code', sa.String(length=6), nullable=False),
    sa.Column('booths', sa.Integer(), nullable=False),
    sa.Column('expected_employers', sa.Integer(), nullable=False),
    sa.Column('expected_positions', sa.Integer(), nullable=False),
    sa.Column('expected_visitors', sa.Integer(), nullable=False),
    sa.Column('safety_officer', sa.String(length=100), nullable=False),
    sa.Column('safety_phone', sa.String(length=20), nullable=False),
    sa.Column('contact', sa.String(length=100), nullable=False),
    sa.Column('contact_phone', sa.String(length=20), nullable=False),
    sa.Column('police_permit_no', sa.String(length=60), nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_by_name', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('end_at > start_at', name=op.f('ck_job_fairs_period')),
    sa.CheckConstraint('booths >= 0 and expected_employers >= 0 and expected_positions >= 0 '
                       'and expected_visitors >= 0', name=op.f('ck_job_fairs_counts')),
    sa.CheckConstraint('expected_visitors < 1000 or police_permit_no is not null',
                       name=op.f('ck_job_fairs_police_permit')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_job_fairs_agency_id_agencies')),
    sa.ForeignKeyConstraint(['division_code'], ['divisions.code'], name=op.f('fk_job_fairs_division_code_divisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_fairs'))
    )
    with op.batch_alter_table('job_fairs', schema=None) as batch_op:
        batch_op.create_index('ix_job_fairs_division_start', ['division_code', 'start_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_fairs_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_fairs_credit_code'), ['credit_code'], unique=False)


def downgrade():
    with op.batch_alter_table('job_fairs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_fairs_credit_code'))
        batch_op.drop_index(batch_op.f('ix_job_fairs_agency_id'))
        batch_op.drop_index('ix_job_fairs_division_start')

    op.drop_table('job_fairs')
