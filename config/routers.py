"""Public pages read from a PostgreSQL streaming replica, when DATABASE_REPLICA_URL names one.

PublicPageMiddleware marks each request: a public page (GET or HEAD under a language prefix) reads
from the replica, its data revision included, so that a page and the revision it is cached under
come from the same database. Everything else (the admin, logins, management commands, and every
write) uses the primary, `default`, and so sees its own writes at once.
"""

from contextvars import ContextVar

# Set by claims.public.PublicPageMiddleware at the start of a request, and cleared when the answer
# has been sent (a streamed export reads as it is sent): see end_public_reads.
public_reads = ContextVar("public_reads", default=False)


def end_public_reads(**kwargs):
    """request_finished receiver (connected in claims/apps.py): what runs after a request uses the primary."""
    public_reads.set(False)


class PublicReadsRouter:
    def db_for_read(self, model, **hints):
        return "replica" if public_reads.get() else "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"  # the replica follows the primary's migrations by replication
