"""docker-compose.yml and the Dockerfile agree with each other and with config/settings.py."""

import os
import re
import secrets
import subprocess
import sys

import pytest
import yaml
from django.conf import settings

from config.settings import database_from_url

# The names settings.py reads: os.environ.get("X", ...), env_bool("X", ...), env_int(...), env_list(...).
READ = re.compile(r"""(?:os\.environ\.get|env_bool|env_int|env_list)\(\s*["']([A-Z0-9_]+)["']""")

# Compose's interpolation: $$, ${NAME}, ${NAME:-default} and ${NAME:?error}.
VARIABLE = re.compile(r"\$\$|\$\{(\w+)(?::([-?])([^}]*))?\}")


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((settings.BASE_DIR / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def db(compose):
    return compose["services"]["db"]


@pytest.fixture(scope="module")
def web(compose):
    return compose["services"]["web"]


def environment(service):
    """A service's environment as a dict, whether compose lists it as a mapping or as NAME=value lines."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(line.split("=", 1) if "=" in line else (line, None) for line in env)
    return env


def interpolate(value, shell):
    """A value from docker-compose.yml as compose passes it on, given the variables in `shell`."""

    def substitute(match):
        if match[0] == "$$":
            return "$"
        name, kind, word = match.groups()
        if shell.get(name):
            return shell[name]
        assert kind != "?", f"compose refuses to start without {name}"
        return word or ""

    return VARIABLE.sub(substitute, str(value))


def read_by_settings():
    return set(READ.findall((settings.BASE_DIR / "config" / "settings.py").read_text()))


def test_compose_runs_a_database_a_mail_catcher_a_cache_web_services_and_the_review_scheduler(compose):
    assert set(compose["services"]) == {"db", "mail", "cache", "web", "web-2", "scheduler"}


def test_the_second_web_server_shares_the_database_and_the_cache_and_leaves_migrating_to_the_first(compose, web):
    second = compose["services"]["web-2"]
    assert environment(second) == environment(web)
    assert environment(web)["REDIS_URL"].startswith("redis://cache:")
    assert "manage.py migrate --check" in second["command"]
    assert "migrate --no-input" not in second["command"]
    assert second["profiles"] == ["replicas"]
    assert second["ports"] != web["ports"]


def test_the_cache_is_a_redis_server_without_persistence(compose):
    cache = compose["services"]["cache"]
    assert cache["image"].startswith("redis:")
    assert "--save" in cache["command"]


def test_db_runs_postgres_17(db):
    assert db["image"] == "postgres:17"


def test_db_keeps_its_data_in_a_named_volume(compose, db):
    data = [entry.split(":", 1)[0] for entry in db["volumes"] if entry.endswith(":/var/lib/postgresql/data")]

    assert len(data) == 1, db["volumes"]
    assert data[0] in (compose.get("volumes") or {}), f"{data[0]} is not a named volume"


def test_db_has_a_healthcheck_that_asks_postgres(db):
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])


def test_web_waits_for_a_healthy_database(web):
    assert web["depends_on"]["db"]["condition"] == "service_healthy"


def test_web_migrates_then_collects_static_then_serves_with_gunicorn(web):
    command = web["command"] if isinstance(web["command"], str) else " ".join(web["command"])
    steps = ["manage.py migrate", "manage.py collectstatic", "gunicorn config.wsgi"]

    positions = [command.find(step) for step in steps]

    assert -1 not in positions, command
    assert positions == sorted(positions)


def test_settings_reader_finds_the_variables_settings_reads():
    # Guards the regex below the other tests: if it found nothing, their subset checks would pass vacuously.
    assert {"DATABASE_URL", "DATABASE_POOL", "DJANGO_DEBUG", "DJANGO_ALLOWED_HOSTS"} <= read_by_settings()


def test_web_sets_only_variables_that_settings_reads(web):
    unread = set(environment(web)) - read_by_settings()

    assert not unread, f"web sets variables config/settings.py never reads: {sorted(unread)}"


def test_web_sets_the_variables_production_needs(web):
    needed = {"DATABASE_URL", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DJANGO_DEBUG"}

    assert needed <= set(environment(web))


def test_web_runs_with_debug_off(web):
    assert str(environment(web)["DJANGO_DEBUG"]).lower() == "false"


def test_web_database_url_points_at_the_db_service_and_its_database(monkeypatch, web, db):
    monkeypatch.delenv("DATABASE_POOL", raising=False)

    database = database_from_url(environment(web)["DATABASE_URL"])

    assert database["HOST"] == "db"
    assert (database["USER"], database["NAME"]) == (environment(db)["POSTGRES_USER"], environment(db)["POSTGRES_DB"])


def test_dockerfile_builds_on_python_3_12_or_newer():
    dockerfile = (settings.BASE_DIR / "Dockerfile").read_text()

    match = re.search(r"^FROM\s+python:(\d+)\.(\d+)", dockerfile, re.MULTILINE)

    assert match, "the Dockerfile does not start from an official python image"
    assert (int(match[1]), int(match[2])) >= (3, 12)


def test_scheduler_sets_only_variables_that_settings_reads_and_uses_the_same_database(compose, web):
    scheduler = compose["services"]["scheduler"]
    assert set(environment(scheduler)) <= read_by_settings()
    assert environment(scheduler)["DATABASE_URL"] == environment(web)["DATABASE_URL"]


def test_scheduler_opens_closes_and_reminds_with_the_review_command(compose):
    command = compose["services"]["scheduler"]["command"]
    for step in ("review_claims --open", "review_claims --close", "review_claims --remind"):
        assert step in command


def test_mail_runs_mailpit_with_its_web_ui_on_loopback_only(compose):
    mail = compose["services"]["mail"]

    assert mail["image"].split(":")[0] == "axllent/mailpit"
    # It has no login: anyone who reaches it reads every email.
    assert mail["ports"] == ["127.0.0.1:8025:8025"]


@pytest.mark.parametrize("name", ["web", "scheduler"])
def test_web_and_scheduler_send_email_by_smtp_to_the_mail_catcher(compose, name):
    service = compose["services"][name]
    env = {key: interpolate(value, {}) for key, value in environment(service).items() if key.startswith("DJANGO_EMAIL")}

    assert env["DJANGO_EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    # Mailpit takes SMTP on port 1025, without TLS.
    assert (env["DJANGO_EMAIL_HOST"], env["DJANGO_EMAIL_PORT"], env["DJANGO_EMAIL_USE_TLS"]) == ("mail", "1025", "false")
    assert "mail" in service["depends_on"]


def test_web_environment_passes_check_deploy_without_an_error_or_a_warning(web):
    secrets_given = {"POSTGRES_PASSWORD": "placeholder", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)}
    env = {name: value for name, value in os.environ.items() if not name.startswith(("DJANGO_", "DATABASE_"))}
    env.update({name: interpolate(value, secrets_given) for name, value in environment(web).items()})

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
