"""text clusters and monthly topic terms

The hot clusters of similar ticket texts (replaced by each run of the text_clusters job) and
their tickets; a monthly topic may now be a list of key terms instead of a category, and its
weekly counts are stored (monthly_topic_week) for the page to read.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 07:23:19.562080
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('text_cluster',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('terms', sa.String(length=200), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('usual', sa.Float(), nullable=False),
    sa.Column('requesters', sa.Integer(), nullable=False),
    sa.Column('districts', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_text_cluster_category_id_category')),
    sa.ForeignKeyConstraint(['district_id'], ['area.id'], name=op.f('fk_text_cluster_district_id_area')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_text_cluster'))
    )
    op.create_table('text_cluster_ticket',
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cluster_id'], ['text_cluster.id'], name=op.f('fk_text_cluster_ticket_cluster_id_text_cluster')),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_text_cluster_ticket_ticket_id_ticket')),
    sa.PrimaryKeyConstraint('cluster_id', 'ticket_id', name=op.f('pk_text_cluster_ticket'))
    )
    with op.batch_alter_table('text_cluster_ticket', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_text_cluster_ticket_ticket_id'), ['ticket_id'], unique=False)

    with op.batch_alter_table('monthly_topic', schema=None) as batch_op:
        batch_op.add_column(sa.Column('terms', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('counted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column('category_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_check_constraint(
            op.f('ck_monthly_topic_category_or_terms'), "category_id IS NOT NULL OR terms <> ''"
        )

    op.create_table('monthly_topic_week',
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('week', sa.String(length=10), nullable=False),
    sa.Column('tickets', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['topic_id'], ['monthly_topic.id'], name=op.f('fk_monthly_topic_week_topic_id_monthly_topic')),
    sa.PrimaryKeyConstraint('topic_id', 'week', name=op.f('pk_monthly_topic_week'))
    )


def downgrade() -> None:
    op.drop_table('monthly_topic_week')
    # A text topic has no category, which the older schema cannot hold: it goes.
    op.execute("DELETE FROM monthly_topic WHERE category_id IS NULL")
    with op.batch_alter_table('monthly_topic', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_monthly_topic_category_or_terms'), type_='check')
        batch_op.drop_column('counted_at')
        batch_op.alter_column('category_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('terms')

    with op.batch_alter_table('text_cluster_ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_text_cluster_ticket_ticket_id'))

    op.drop_table('text_cluster_ticket')
    op.drop_table('text_cluster')
