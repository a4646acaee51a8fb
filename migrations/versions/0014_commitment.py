"""告知承诺制: the exclusion list (告知承诺 黑名单) and the 事后核查 of on-the-spot grants

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 13:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('inspections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('license_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('division_code', sa.String(length=6), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('remarks', sa.Text(), nullable=True),
    sa.Column('rectify_due', sa.Date(), nullable=True),
    sa.Column('revocation_id', sa.Integer(), nullable=True),
    sa.Column('checked_on', sa.Date(), nullable=True),
    sa.Column('checked_by_name', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_inspections_agency_id_agencies')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_inspections_case_id_cases')),
    sa.ForeignKeyConstraint(['division_code'], ['divisions.code'], name=op.f('fk_inspections_division_code_divisions')),
    sa.ForeignKeyConstraint(['license_id'], ['licenses.id'], name=op.f('fk_inspections_license_id_licenses')),
    sa.ForeignKeyConstraint(['revocation_id'], ['revocations.id'], name=op.f('fk_inspections_revocation_id_revocations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspections'))
    )
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.create_index('ix_inspections_division_status_due', ['division_code', 'status', 'due', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspections_license_id'), ['license_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspections_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspections_agency_id'), ['agency_id'], unique=False)

    op.create_table('commitment_exclusions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('agency_name', sa.String(length=200), nullable=False),
    sa.Column('division_code', sa.String(length=6), nullable=False),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('reason_text', sa.Text(), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('inspection_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_by_name', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_by_name', sa.String(length=100), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['division_code'], ['divisions.code'], name=op.f('fk_commitment_exclusions_division_code_divisions')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_commitment_exclusions_inspection_id_inspections')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment_exclusions'))
    )
    with op.batch_alter_table('commitment_exclusions', schema=None) as batch_op:
        batch_op.create_index('ix_commitment_exclusions_code', ['credit_code', 'starts_on'], unique=False)
        batch_op.create_index('ix_commitment_exclusions_division', ['division_code', 'starts_on', 'id'], unique=False)


def downgrade():
    op.drop_table('commitment_exclusions')
    op.drop_table('inspections')
