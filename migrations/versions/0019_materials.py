"""application materials: the catalogue's rules per workflow and procedure, the cases' files

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 14:00:00

The rules are data (loaded with the catalogue by `flask seed`); the files' bytes live in
stored_files under `materials/<case>/<id>`.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('material_rules',
    sa.Column('workflow', sa.String(length=20), nullable=False),
    sa.Column('procedure', sa.String(length=20), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('workflow', 'procedure', 'code', name=op.f('pk_material_rules'))
    )
    op.create_table('case_materials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by', sa.String(length=100), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_materials_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_materials')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('case_materials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_materials_case_id'), ['case_id'], unique=False)


def downgrade():
    with op.batch_alter_table('case_materials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_materials_case_id'))
    op.drop_table('case_materials')
    op.drop_table('material_rules')
