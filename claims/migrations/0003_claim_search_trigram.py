"""Trigram indexes for the claim search on PostgreSQL (pg_trgm also serves Chinese substrings).

Claim.matching() filters with `icontains`, which Django writes on PostgreSQL as
`UPPER(column::text) LIKE UPPER(%s)`; these GIN indexes on `UPPER(column)` are what such a LIKE
can use. They are created only on PostgreSQL and are not in `Claim.Meta.indexes`: SQLite has no
GIN, and a table rebuild there would try to recreate every index the model state lists.
"""

from django.db import migrations

INDEXES = {"claim_quote_trgm": "quote", "claim_text_en_trgm": "text_en"}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "claims_claim" USING gin (UPPER("{column}") gin_trgm_ops)')


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0002_versions"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
