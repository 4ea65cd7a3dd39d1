"""report versions carry their reason; a revisions ledger; readers' notices and e-mail

A republished period keeps the reason it replaces the previous version for; every figure it
changed is a ledger row (before, after, reason). Readers get a start-page notice per published
version, and staff users an e-mail address to receive the report at (the PDF is attached at
delivery from the stored snapshot, so the outbox row only names it).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 23:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('report_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['snapshot_id'], ['report_snapshot.id'], name=op.f('fk_report_notice_snapshot_id_report_snapshot')),
    sa.ForeignKeyConstraint(['user_id'], ['staff_user.id'], name=op.f('fk_report_notice_user_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_notice')),
    sa.UniqueConstraint('user_id', 'snapshot_id', name=op.f('uq_report_notice_user_id_snapshot_id'))
    )
    with op.batch_alter_table('report_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_notice_snapshot_id'), ['snapshot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_notice_user_id'), ['user_id'], unique=False)

    op.create_table('report_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('previous_version', sa.Integer(), nullable=False),
    sa.Column('figure', sa.String(length=200), nullable=False),
    sa.Column('before', sa.Float(), nullable=True),
    sa.Column('after', sa.Float(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('revised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revised_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['revised_by'], ['staff_user.id'], name=op.f('fk_report_revision_revised_by_staff_user')),
    sa.ForeignKeyConstraint(['snapshot_id'], ['report_snapshot.id'], name=op.f('fk_report_revision_snapshot_id_report_snapshot')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_revision'))
    )
    with op.batch_alter_table('report_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_revision_period'), ['period'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_revision_snapshot_id'), ['snapshot_id'], unique=False)

    with op.batch_alter_table('report_snapshot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.Text(), server_default='', nullable=False))

    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=255), server_default='', nullable=False))



def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+): batch mode would copy tables that other tables'
    # foreign keys point at, and fail once they hold rows.
    op.drop_column('staff_user', 'email')
    op.drop_column('report_snapshot', 'reason')

    with op.batch_alter_table('report_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_revision_snapshot_id'))
        batch_op.drop_index(batch_op.f('ix_report_revision_period'))

    op.drop_table('report_revision')
    with op.batch_alter_table('report_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_notice_user_id'))
        batch_op.drop_index(batch_op.f('ix_report_notice_snapshot_id'))

    op.drop_table('report_notice')
