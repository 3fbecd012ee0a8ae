"""The environment variables config/settings.py reads, and its refusal to start misconfigured."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from config.settings import database_from_url, env_bool

SETUP = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup()"
PRODUCTION = {"DJANGO_SECRET_KEY": "a-real-secret", "DJANGO_ALLOWED_HOSTS": "claims.example.org"}


def start_django(*, show="", **variables):
    """Run django.setup() in a fresh interpreter with only `variables` of the project's own settings set.

    `show`, a comma-separated list of setting names, prints their values as a dict.
    """
    env = {name: value for name, value in os.environ.items() if not name.startswith(("DJANGO_", "DATABASE_"))}
    env.update(variables)
    code = SETUP
    if show:
        code += f"; from django.conf import settings as s; print({{n: getattr(s, n, None) for n in {show.split(',')!r}}})"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )


# env_bool


@pytest.mark.parametrize("word", ["true", "True", "1", "on", " ON "])
def test_env_bool_reads_true_words_as_true(monkeypatch, word):
    monkeypatch.setenv("FLAG", word)

    assert env_bool("FLAG", False) is True


@pytest.mark.parametrize("word", ["false", "FALSE", "0", "off"])
def test_env_bool_reads_false_words_as_false(monkeypatch, word):
    monkeypatch.setenv("FLAG", word)

    assert env_bool("FLAG", True) is False


@pytest.mark.parametrize("default", [True, False])
def test_env_bool_gives_the_default_for_an_empty_variable(monkeypatch, default):
    monkeypatch.setenv("FLAG", "")

    assert env_bool("FLAG", default) is default


@pytest.mark.parametrize("default", [True, False])
def test_env_bool_gives_the_default_for_an_unset_variable(monkeypatch, default):
    monkeypatch.delenv("FLAG", raising=False)

    assert env_bool("FLAG", default) is default


@pytest.mark.parametrize("word", ["yes", "no", "y", "enabled", "2"])
def test_env_bool_refuses_a_yes_ish_value_naming_the_variable(monkeypatch, word):
    monkeypatch.setenv("DJANGO_FLAG", word)

    with pytest.raises(ImproperlyConfigured, match="DJANGO_FLAG"):
        env_bool("DJANGO_FLAG", False)


# database_from_url


def test_postgres_url_gives_every_connection_field(monkeypatch):
    monkeypatch.delenv("DATABASE_POOL", raising=False)

    database = database_from_url("postgres://user:pass@host:5433/name")

    assert {key: database[key] for key in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT")} == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "name",
        "USER": "user",
        "PASSWORD": "pass",
        "HOST": "host",
        "PORT": "5433",
    }
    assert "pool" not in database["OPTIONS"]


def test_postgres_connections_give_up_in_seconds_not_minutes(monkeypatch):
    monkeypatch.delenv("DATABASE_STATEMENT_TIMEOUT", raising=False)

    options = database_from_url("postgres://user:pass@host:5433/name")["OPTIONS"]

    assert options["connect_timeout"] == 3
    assert options["options"] == "-c statement_timeout=10s"


def test_statement_timeout_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT", "60")

    assert database_from_url("postgres://u:p@h/n")["OPTIONS"]["options"] == "-c statement_timeout=60s"


@pytest.mark.parametrize("value", ["ten", "-1", "1.5"])
def test_a_statement_timeout_that_is_no_whole_number_is_refused(monkeypatch, value):
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT", value)

    with pytest.raises(ImproperlyConfigured, match="DATABASE_STATEMENT_TIMEOUT"):
        database_from_url("postgres://u:p@h/n")


def test_postgres_url_decodes_a_percent_encoded_password(monkeypatch):
    monkeypatch.delenv("DATABASE_POOL", raising=False)

    assert database_from_url("postgresql://user:p%40ss%2Fword@host/name")["PASSWORD"] == "p@ss/word"


def test_database_pool_turns_on_the_connection_pool(monkeypatch):
    monkeypatch.setenv("DATABASE_POOL", "true")

    # A request waits at most 3 seconds for a connection, then gets the 503 page.
    assert database_from_url("postgres://user:pass@host:5433/name")["OPTIONS"]["pool"] == {"timeout": 3}


def test_a_worker_keeps_its_postgres_connection_unless_pooled(monkeypatch):
    monkeypatch.delenv("DATABASE_POOL", raising=False)
    monkeypatch.delenv("DATABASE_CONN_MAX_AGE", raising=False)
    kept = database_from_url("postgres://user:pass@host/name")
    assert kept["CONN_MAX_AGE"] == 60 and kept["CONN_HEALTH_CHECKS"]

    monkeypatch.setenv("DATABASE_CONN_MAX_AGE", "0")
    assert database_from_url("postgres://user:pass@host/name")["CONN_MAX_AGE"] == 0

    monkeypatch.setenv("DATABASE_POOL", "true")  # Django refuses a pool with persistent connections
    monkeypatch.setenv("DATABASE_CONN_MAX_AGE", "60")
    assert database_from_url("postgres://user:pass@host/name")["CONN_MAX_AGE"] == 0


def test_sqlite_url_names_a_file_in_the_project():
    database = database_from_url("sqlite:///x.sqlite3")

    assert database["NAME"] == settings.BASE_DIR / "x.sqlite3"
    # Saves take turns on the write lock instead of failing with "database is locked".
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_mysql_url_is_refused():
    with pytest.raises(ImproperlyConfigured, match="not supported"):
        database_from_url("mysql://user:pass@host:3306/name")


@pytest.mark.parametrize("url", ["postgres://user:pass@host:5432", "postgres://user:pass@host:5432/"])
def test_postgres_url_without_a_database_name_is_refused(url):
    with pytest.raises(ImproperlyConfigured, match="names no database"):
        database_from_url(url)


# Production mode


def test_production_refuses_to_start_without_a_secret_key():
    result = start_django(DJANGO_DEBUG="false", DJANGO_ALLOWED_HOSTS="claims.example.org")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = start_django(DJANGO_DEBUG="false", DJANGO_SECRET_KEY="a-real-secret")

    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_production_starts_with_a_secret_key_and_allowed_hosts():
    result = start_django(
        DJANGO_DEBUG="false", DJANGO_SECRET_KEY="a-real-secret", DJANGO_ALLOWED_HOSTS="claims.example.org"
    )

    assert result.returncode == 0, result.stderr


def test_without_django_debug_the_site_is_in_production_and_needs_a_secret_key():
    result = start_django(DJANGO_ALLOWED_HOSTS="claims.example.org")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_redirects_to_https_and_sends_hsts_for_a_year():
    result = start_django(
        show="DEBUG,SECURE_SSL_REDIRECT,SECURE_HSTS_SECONDS,SECURE_HSTS_INCLUDE_SUBDOMAINS,SECURE_HSTS_PRELOAD",
        **PRODUCTION,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(
        {
            "DEBUG": False,
            "SECURE_SSL_REDIRECT": True,
            "SECURE_HSTS_SECONDS": 31536000,
            "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
            "SECURE_HSTS_PRELOAD": True,
        }
    )


def test_https_redirect_and_hsts_can_be_turned_off_for_plain_http_on_loopback():
    result = start_django(
        show="SECURE_SSL_REDIRECT,SECURE_HSTS_SECONDS",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_HSTS_SECONDS="0",
        **PRODUCTION,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str({"SECURE_SSL_REDIRECT": False, "SECURE_HSTS_SECONDS": 0})


def test_development_mode_is_asked_for_and_then_needs_no_secret():
    result = start_django(show="DEBUG,SECURE_SSL_REDIRECT", DJANGO_DEBUG="true")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str({"DEBUG": True, "SECURE_SSL_REDIRECT": False})


# The page cache


def test_the_page_cache_is_this_process_memory_unless_redis_is_named(monkeypatch):
    monkeypatch.delenv("PAGE_CACHE_SECONDS", raising=False)  # the suite turns the cache off (tests/development_mode.py)
    local = start_django(DJANGO_DEBUG="true", show="CACHES,PAGE_CACHE_SECONDS")
    shared = start_django(DJANGO_DEBUG="true", REDIS_URL="redis://cache:6379/0", show="CACHES")
    assert "LocMemCache" in local.stdout and "600" in local.stdout, local.stderr
    assert "RedisCache" in shared.stdout and "redis://cache:6379/0" in shared.stdout, shared.stderr


def test_the_page_cache_can_be_turned_off():
    result = start_django(DJANGO_DEBUG="true", PAGE_CACHE_SECONDS="0", show="PAGE_CACHE_SECONDS")
    assert "'PAGE_CACHE_SECONDS': 0" in result.stdout, result.stderr


@pytest.mark.parametrize(
    "variables, listens",
    [
        ({"DATABASE_URL": "postgres://u@h/n"}, True),
        ({"DATABASE_URL": "postgres://u@h/n", "DATABASE_REVISION_LISTEN": "false"}, False),
        ({"DATABASE_URL": "postgres://u@h/n", "DATABASE_REPLICA_URL": "postgres://u@r/n"}, False),  # a replica lags
        ({"DATABASE_URL": "sqlite:///x.sqlite3"}, False),
    ],
    ids=["postgresql", "turned off", "with a replica", "sqlite"],
)
def test_the_revision_listener_serves_postgresql_without_a_replica(variables, listens):
    started = start_django(show="REVISION_LISTEN", DJANGO_DEBUG="true", **variables)

    assert started.returncode == 0, started.stderr
    assert f"'REVISION_LISTEN': {listens}" in started.stdout
