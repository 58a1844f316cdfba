"""dossiers: trust anchors, signing certificates, blobs, signed stages, builds

Revision ID: 7c4e1d2a9b60
Revises: 1a370e762b3c
Create Date: 2026-11-26 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '7c4e1d2a9b60'
down_revision = '1a370e762b3c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dossier_blobs',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_dossier_blobs'))
    )
    op.create_table('dossier_trust_anchors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('deployment', sa.Boolean(), nullable=True),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('certificate_pem', sa.LargeBinary(), nullable=False),
    sa.Column('encrypted_key_pem', sa.LargeBinary(), nullable=True),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('deployment', 'external')", name=op.f('ck_dossier_trust_anchors_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_trust_anchors')),
    sa.UniqueConstraint('deployment', name=op.f('uq_dossier_trust_anchors_deployment')),
    sa.UniqueConstraint('fingerprint', name=op.f('uq_dossier_trust_anchors_fingerprint'))
    )
    op.create_table('dossier_signing_certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('certificate_pem', sa.LargeBinary(), nullable=False),
    sa.Column('chain_pem', sa.LargeBinary(), nullable=False),
    sa.Column('encrypted_key_pem', sa.LargeBinary(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('not_after', sa.DateTime(timezone=True), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('enterprise', 'assessor', 'provincial_official')", name=op.f('ck_dossier_signing_certificates_role')),
    sa.CheckConstraint("source IN ('issued', 'uploaded')", name=op.f('ck_dossier_signing_certificates_source')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_dossier_signing_certificates_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_signing_certificates')),
    sa.UniqueConstraint('fingerprint', name=op.f('uq_dossier_signing_certificates_fingerprint'))
    )
    with op.batch_alter_table('dossier_signing_certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_signing_certificates_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('dossier_stages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('stage', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('manifest_sha256', sa.String(length=64), nullable=False),
    sa.Column('signature_sha256', sa.String(length=64), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_dossier_stages_case_id_cases')),
    sa.ForeignKeyConstraint(['certificate_id'], ['dossier_signing_certificates.id'], name=op.f('fk_dossier_stages_certificate_id_dossier_signing_certificates')),
    sa.ForeignKeyConstraint(['manifest_sha256'], ['dossier_blobs.sha256'], name=op.f('fk_dossier_stages_manifest_sha256_dossier_blobs')),
    sa.ForeignKeyConstraint(['signature_sha256'], ['dossier_blobs.sha256'], name=op.f('fk_dossier_stages_signature_sha256_dossier_blobs')),
    sa.ForeignKeyConstraint(['signed_by_id'], ['users.id'], name=op.f('fk_dossier_stages_signed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_stages')),
    sa.UniqueConstraint('case_id', 'round', 'stage', name='uq_dossier_stages_case_round_stage')
    )
    with op.batch_alter_table('dossier_stages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_stages_case_id'), ['case_id'], unique=False)

    op.create_table('dossier_stage_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=512), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['sha256'], ['dossier_blobs.sha256'], name=op.f('fk_dossier_stage_files_sha256_dossier_blobs')),
    sa.ForeignKeyConstraint(['stage_id'], ['dossier_stages.id'], name=op.f('fk_dossier_stage_files_stage_id_dossier_stages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_stage_files'))
    )
    with op.batch_alter_table('dossier_stage_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_stage_files_stage_id'), ['stage_id'], unique=False)

    op.create_table('dossier_builds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('build_key', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=100), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('job_id', sa.String(length=64), nullable=True),
    sa.Column('blob_sha256', sa.String(length=64), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'building', 'ready', 'failed')", name=op.f('ck_dossier_builds_status')),
    sa.ForeignKeyConstraint(['blob_sha256'], ['dossier_blobs.sha256'], name=op.f('fk_dossier_builds_blob_sha256_dossier_blobs')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_dossier_builds_case_id_cases')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_dossier_builds_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_builds'))
    )
    with op.batch_alter_table('dossier_builds', schema=None) as batch_op:
        batch_op.create_index('ix_dossier_builds_case_key', ['case_id', 'build_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossier_builds_case_id'), ['case_id'], unique=False)


def downgrade():
    with op.batch_alter_table('dossier_builds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_builds_case_id'))
        batch_op.drop_index('ix_dossier_builds_case_key')
    op.drop_table('dossier_builds')
    with op.batch_alter_table('dossier_stage_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_stage_files_stage_id'))
    op.drop_table('dossier_stage_files')
    with op.batch_alter_table('dossier_stages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_stages_case_id'))
    op.drop_table('dossier_stages')
    with op.batch_alter_table('dossier_signing_certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_signing_certificates_organisation_id'))
    op.drop_table('dossier_signing_certificates')
    op.drop_table('dossier_trust_anchors')
    op.drop_table('dossier_blobs')
