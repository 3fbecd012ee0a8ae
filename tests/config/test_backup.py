"""The portable backup of the README's "Backup and restore": dumpdata, then loaddata on an empty database.

The real commands run in subprocesses against real database files, as an operator runs them:
a seeded SQLite database with analysts' edits is dumped and loaded into a new SQLite file and
into a new PostgreSQL database, and every table, history tables included, must come back row
for row.
"""

import datetime
import gzip
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from claims.models import Claim

MANAGE = Path(settings.BASE_DIR) / "manage.py"
POSTGRES = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "dbname": "postgres", "connect_timeout": 3}
DUMP = ["--natural-foreign", "--natural-primary", "-e", "contenttypes", "-e", "auth.permission", "-e", "sessions"]

# Analysts' work after the seed: a role change, an analyst deleted (a gap in the ids), an update
# with evidence, a claim edit and a correction, each leaving history rows and history m2m rows.
EDITS = """
import datetime
from django.contrib.auth.models import Group
from analysts.models import Analyst
from claims.models import Claim, Evidence

mei = Analyst.objects.create_user("mei", password="pw-mei-1", is_staff=True, display_name="梅")
mei.groups.set(Group.objects.filter(name="editor"))
Analyst.objects.create_user("gone").delete()
ken = Analyst.objects.create_user("ken", password="pw-ken-1", is_staff=True)
ken.groups.set(Group.objects.filter(name="analyst"))
claim = Claim.objects.filter(kind=Claim.Kind.ASSERTION).order_by("number").first()
evidence = Evidence(claim=claim, url="https://example.org/visit", title="Visit report")
evidence.save()
update = claim.record_update(
    status=Claim.Status.ACCURATE, effective_on=datetime.date(2026, 4, 1), rationale="Reported.", evidence=[evidence], by=mei
)
claim.refresh_from_db()
claim.edit({"text_en": claim.text_en + " (checked)"}, by=ken, reason="Clearer wording")
update.correct(status=Claim.Status.MOSTLY_ACCURATE, effective_on=datetime.date(2026, 4, 2), rationale="Closer.", by=mei)
"""

# Every row of every table Django knows (history, m2m and third-party tables included), as JSON.
# A many-to-many link table's own id is not data (nothing refers to it, and dumpdata writes the
# links as lists), so its rows are compared as pairs.
SNAPSHOT = """
import json
from django.apps import apps

tables = {}
for model in apps.get_models(include_auto_created=True):
    fields, order = model._meta.concrete_fields, ["pk"]
    if model._meta.auto_created:
        fields = [field for field in fields if not field.primary_key]
        order = [field.attname for field in fields]
    names = [field.attname for field in fields]
    rows = model._base_manager.order_by(*order).values_list(*names)
    tables[model._meta.db_table] = [dict(zip(names, row)) for row in rows]
print(json.dumps(tables, default=lambda value: value.isoformat() if hasattr(value, "isoformat") else str(value)))
"""


def manage(database_url, *args):
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_DEBUG": "true"}
    result = subprocess.run(
        [sys.executable, str(MANAGE), *args], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def snapshot(database_url):
    return json.loads(manage(database_url, "shell", "--no-imports", "-c", SNAPSHOT).splitlines()[-1])


def assert_same_rows(restored, original):
    assert restored.keys() == original.keys()
    differing = [table for table in original if restored[table] != original[table]]
    assert not differing, f"tables whose rows differ after the restore: {differing}"


@pytest.fixture(scope="module")
def backup(tmp_path_factory):
    """A seeded, edited SQLite database, its URL, its rows, and its portable backup."""
    directory = tmp_path_factory.mktemp("backup")
    url = f"sqlite:///{directory / 'before.sqlite3'}"
    manage(url, "migrate", "--no-input", "-v", "0")
    manage(url, "seed")
    manage(url, "shell", "--no-imports", "-c", EDITS)
    path = directory / "backup.json.gz"
    manage(url, "dumpdata", *DUMP, "-o", str(path))
    return path, snapshot(url)


@pytest.fixture
def postgresql_url():
    """A new, empty PostgreSQL database, dropped afterwards; the test is skipped without a server."""
    psycopg = pytest.importorskip("psycopg")
    try:
        server = psycopg.connect(**POSTGRES, autocommit=True)
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL is not reachable at 127.0.0.1:5432 as user postgres: {error}")
    name = f"claims_restore_test_{uuid.uuid4().hex[:8]}"
    with server:
        server.execute(f'CREATE DATABASE "{name}"')
        yield f"postgres://postgres@127.0.0.1:5432/{name}"
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def restore(url, path):
    manage(url, "migrate", "--no-input", "-v", "0")
    manage(url, "loaddata", str(path))
    return snapshot(url)


def test_sqlite_backup_restores_into_postgresql_row_for_row(backup, postgresql_url):
    path, original = backup
    assert len(original["claims_historicalclaim"]) > 99  # the seed's rows and the analysts' edits

    assert_same_rows(restore(postgresql_url, path), original)


def test_sqlite_backup_restores_into_a_new_sqlite_file_row_for_row(backup, tmp_path):
    path, original = backup

    assert_same_rows(restore(f"sqlite:///{tmp_path / 'after.sqlite3'}", path), original)


def test_backup_keeps_analysts_by_id_and_roles_by_name(backup):
    path, _ = backup
    with gzip.open(path, "rt", encoding="utf-8") as file:
        records = json.load(file)

    analysts = [record for record in records if record["model"] == "analysts.analyst"]
    groups = [record for record in records if record["model"] == "auth.group"]
    # "gone" was deleted, so ken's id follows a gap that renumbering would close.
    assert [(record["pk"], record["fields"]["username"]) for record in analysts] == [(1, "seed"), (2, "mei"), (4, "ken")]
    assert groups and all("pk" not in record for record in groups)  # loaded onto the groups the migrations made


@pytest.mark.django_db
def test_dumpdata_keeps_history_times_to_the_microsecond(make_claim, tmp_path):
    claim = make_claim()
    row = claim.history.get()
    Claim.history.filter(pk=row.pk).update(history_date=datetime.datetime(2026, 5, 1, 9, 30, 0, 123456, tzinfo=datetime.UTC))
    path = tmp_path / "history.json"

    call_command("dumpdata", "claims.historicalclaim", "-o", str(path))

    assert json.loads(path.read_text())[0]["fields"]["history_date"] == "2026-05-01T09:30:00.123456+00:00"
