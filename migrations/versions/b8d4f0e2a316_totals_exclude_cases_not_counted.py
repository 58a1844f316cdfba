"""the running totals hold only counted cases: a trigger takes a case's transfers out when it is withdrawn or
rejected, and the newest counted cases are read from a partial index

Before, every case stayed in case_transfer_totals and a new case's counting subtracted the transfers of the
exporter's withdrawn and rejected cases, aggregated row by row on every creation; and the listing of the newest
counted cases walked back through every withdrawn one, a hundred per round trip. Both grew with the exporter's
history (issue 20: a bench exporter that creates and withdraws cases slowed down request by request).

Revision ID: b8d4f0e2a316
Revises: a7c3e9d1f205
Create Date: 2026-12-06 20:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b8d4f0e2a316'
down_revision = 'a7c3e9d1f205'
branch_labels = None
depends_on = None

# The statuses whose cases do not count (xborder.cases.models.status.NOT_COUNTED), as of this revision.
NOT_COUNTED = "('rejected', 'withdrawn')"
COUNTED = sa.text(f"status NOT IN {NOT_COUNTED}")

# Adds the figures of the transfers of the case(s) selected by WHERE, each multiplied by SIGN, to the totals.
_UPSERT = (
    "INSERT INTO case_transfer_totals (exporter_id, as_of, exemption, cases, transfers, pi_individuals, "
    "sensitive_pi_individuals) "
    "SELECT t.exporter_id, t.as_of, COALESCE(t.exemption, ''), {sign} * SUM(CASE WHEN t.\"index\" = 0 THEN 1 ELSE 0 "
    "END), {sign} * COUNT(*), {sign} * SUM(t.pi_individuals), {sign} * SUM(t.sensitive_pi_individuals) "
    "FROM case_transfers t {join} WHERE {where} "
    "GROUP BY t.exporter_id, t.as_of, COALESCE(t.exemption, '') "
    "ORDER BY t.exporter_id, t.as_of, COALESCE(t.exemption, '') "
    "ON CONFLICT (exporter_id, as_of, exemption) DO UPDATE SET "
    "cases = case_transfer_totals.cases + excluded.cases, "
    "transfers = case_transfer_totals.transfers + excluded.transfers, "
    "pi_individuals = case_transfer_totals.pi_individuals + excluded.pi_individuals, "
    "sensitive_pi_individuals = case_transfer_totals.sensitive_pi_individuals + excluded.sensitive_pi_individuals"
)


def _existing(sign: int) -> str:
    """The transfers of every case that does not count now, added with `sign` (the data step)."""
    return _UPSERT.format(sign=sign, join="JOIN cases c ON c.id = t.case_id",
                          where=f"c.status IN {NOT_COUNTED}")


def upgrade():
    # The statuses are final (nothing leaves withdrawn or rejected), but the trigger adds a case back should one
    # ever return to a counted status, so the totals stay the sum of the counted cases whatever writes the status.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION case_totals_follow_status() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            "DECLARE s integer;\n"
            "BEGIN\n"
            f"  IF (OLD.status IN {NOT_COUNTED}) IS DISTINCT FROM (NEW.status IN {NOT_COUNTED}) THEN\n"
            f"    s := CASE WHEN NEW.status IN {NOT_COUNTED} THEN -1 ELSE 1 END;\n"
            "    " + _UPSERT.format(sign="s", join="", where="t.case_id = NEW.id") + ";\n"
            "  END IF;\n"
            "  RETURN NULL;\n"
            "END $$")
        op.execute("CREATE TRIGGER case_totals_follow_status AFTER UPDATE OF status ON cases "
                   "FOR EACH ROW EXECUTE FUNCTION case_totals_follow_status()")
    else:
        for name, condition, sign in (
                ("case_totals_leave", f"OLD.status NOT IN {NOT_COUNTED} AND NEW.status IN {NOT_COUNTED}", -1),
                ("case_totals_return", f"OLD.status IN {NOT_COUNTED} AND NEW.status NOT IN {NOT_COUNTED}", 1)):
            op.execute(f"CREATE TRIGGER {name} AFTER UPDATE OF status ON cases FOR EACH ROW WHEN {condition} "
                       f"BEGIN {_UPSERT.format(sign=sign, join='', where='t.case_id = NEW.id')}; END")
    op.execute(_existing(-1))
    op.create_index('ix_cases_exporter_counted', 'cases', ['exporter_id', 'id'],
                    postgresql_where=COUNTED, sqlite_where=COUNTED)


def downgrade():
    op.drop_index('ix_cases_exporter_counted', table_name='cases')
    op.execute(_existing(1))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER case_totals_follow_status ON cases")
        op.execute("DROP FUNCTION case_totals_follow_status()")
    else:
        op.execute("DROP TRIGGER case_totals_leave")
        op.execute("DROP TRIGGER case_totals_return")
