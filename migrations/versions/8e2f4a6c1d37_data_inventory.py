"""the enterprise's data inventory: flows, recipients, legal documents, import runs, links from cases to rows

Revision ID: 8e2f4a6c1d37
Revises: 1a370e762b3c
Create Date: 2026-11-26 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '8e2f4a6c1d37'
down_revision = '1a370e762b3c'
branch_labels = None
depends_on = None


def _json():
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    op.create_table('inventory_flows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('entry_key', sa.String(length=64), nullable=False),
    sa.Column('system', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=200), nullable=False),
    sa.Column('level', sa.String(length=30), nullable=False),
    sa.Column('industrial_level', sa.String(length=30), nullable=True),
    sa.Column('subject_group', sa.String(length=100), nullable=True),
    sa.Column('recipient', sa.String(length=200), nullable=False),
    sa.Column('purpose', sa.String(length=500), nullable=True),
    sa.Column('exemption', sa.String(length=40), nullable=True),
    sa.Column('persons_per_year', sa.BigInteger(), nullable=False),
    sa.Column('records_per_year', sa.BigInteger(), nullable=True),
    sa.Column('storage_location', sa.String(length=200), nullable=True),
    sa.Column('retention_months', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_inventory_flows_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_flows')),
    sa.UniqueConstraint('organisation_id', 'entry_key', name=op.f('uq_inventory_flows_organisation_id'))
    )
    op.create_table('inventory_recipients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=200), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('onward_transfer', sa.Boolean(), nullable=False),
    sa.Column('contact', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_inventory_recipients_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_recipients')),
    sa.UniqueConstraint('organisation_id', 'recipient', name=op.f('uq_inventory_recipients_organisation_id'))
    )
    op.create_table('inventory_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_inventory_documents_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_documents')),
    sa.UniqueConstraint('organisation_id', 'recipient', 'kind', 'title', name=op.f('uq_inventory_documents_organisation_id'))
    )
    op.create_table('inventory_heads',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_inventory_heads_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organisation_id', name=op.f('pk_inventory_heads'))
    )
    op.create_table('inventory_import_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('filenames', _json(), nullable=False),
    sa.Column('apply_when_valid', sa.Boolean(), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('error_count', sa.Integer(), nullable=False),
    sa.Column('errors', _json(), nullable=False),
    sa.Column('preview', _json(), nullable=True),
    sa.Column('base_revision', sa.Integer(), nullable=True),
    sa.Column('message', sa.String(length=500), nullable=True),
    sa.Column('job_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'validating', 'invalid', 'previewed', 'applying', 'applied', 'stale', 'failed', 'discarded')", name=op.f('ck_inventory_import_runs_status')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_inventory_import_runs_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_inventory_import_runs_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_import_runs'))
    )
    with op.batch_alter_table('inventory_import_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inventory_import_runs_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('inventory_import_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['inventory_import_runs.id'], name=op.f('fk_inventory_import_files_run_id_inventory_import_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_import_files'))
    )
    with op.batch_alter_table('inventory_import_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inventory_import_files_run_id'), ['run_id'], unique=False)

    op.create_table('inventory_case_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('entry_key', sa.String(length=64), nullable=False),
    sa.Column('snapshot', _json(), nullable=False),
    sa.Column('flags', _json(), nullable=False),
    sa.Column('flagged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_inventory_case_links_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_inventory_case_links_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_case_links')),
    sa.UniqueConstraint('case_id', 'entry_key', name=op.f('uq_inventory_case_links_case_id'))
    )
    with op.batch_alter_table('inventory_case_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inventory_case_links_organisation_id'), ['organisation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('inventory_case_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inventory_case_links_organisation_id'))
    op.drop_table('inventory_case_links')
    with op.batch_alter_table('inventory_import_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inventory_import_files_run_id'))
    op.drop_table('inventory_import_files')
    with op.batch_alter_table('inventory_import_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inventory_import_runs_organisation_id'))
    op.drop_table('inventory_import_runs')
    op.drop_table('inventory_heads')
    op.drop_table('inventory_documents')
    op.drop_table('inventory_recipients')
    op.drop_table('inventory_flows')
