from io import StringIO

from django.core.management import call_command


def test_system_checks_pass_so_runserver_and_migrate_start(db):
    out = StringIO()
    call_command("check", stdout=out)
    assert "no issues" in out.getvalue()


def test_models_and_migrations_agree(db):
    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())
