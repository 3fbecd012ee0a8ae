"""A real outage: the database under a running gunicorn stops, and starts again.

The test runs a throw-away PostgreSQL of its own on a free port (initdb and pg_ctl from
/usr/lib/postgresql/*/bin, as the postgres user when the tests run as root) and gunicorn in
development mode (production's static files need collectstatic first; the 503 does not
depend on the mode). It takes about half a minute.
"""

import http.cookiejar
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings


def postgres_binaries():
    """The newest /usr/lib/postgresql/<version>/bin that has initdb and pg_ctl, or None."""
    found = [path for path in Path("/usr/lib/postgresql").glob("*/bin") if (path / "initdb").exists()]
    found = [path for path in found if (path / "pg_ctl").exists()]
    return max(found, key=lambda path: int(re.sub(r"\D", "", path.parent.name) or 0), default=None)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ThrowAwayPostgres:
    def __init__(self, binaries, directory):
        self.binaries, self.directory, self.port = binaries, directory, free_port()
        self.data = directory / "data"

    def run(self, program, *args):
        command = [str(self.binaries / program), *args]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def init(self):
        self.run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale", "--no-sync")

    def start(self):
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory} -c fsync=off"
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.directory / "postgres.log"), "-o", options, "-w", "start")

    def stop(self):
        self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    @property
    def url(self):
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"


@pytest.fixture(scope="module")
def postgres():
    binaries = postgres_binaries()
    if binaries is None:
        pytest.skip("PostgreSQL's initdb and pg_ctl are not in /usr/lib/postgresql/*/bin")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres user to run PostgreSQL as")
    directory = Path(tempfile.mkdtemp(prefix="claims-outage-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    server = ThrowAwayPostgres(binaries, directory)
    try:
        server.init()
        server.start()
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input"],
            cwd=settings.BASE_DIR, env=environment(server.url), check=True, capture_output=True, timeout=120,
        )
        yield server
    finally:
        try:
            server.stop()
        except subprocess.CalledProcessError:
            pass  # stopped already
        shutil.rmtree(directory, ignore_errors=True)


def environment(database_url, **variables):
    env = {name: value for name, value in os.environ.items() if not name.startswith(("DJANGO_", "DATABASE_"))}
    return {**env, "DJANGO_DEBUG": "true", "DATABASE_URL": database_url, **variables}


@pytest.fixture(params=["false", "true"], ids=["one connection a request", "connection pool"])
def site(request, postgres, tmp_path):
    """gunicorn serving the site from the throw-away database; yields its base URL."""
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=settings.BASE_DIR, env=environment(postgres.url, DATABASE_POOL=request.param),
        stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: fetch(base + "/zh-hant/")[0] == 200, seconds=20)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def fetch(url, data=None, opener=urllib.request.build_opener()):
    """(status, headers, body, seconds) of a GET, or of a POST of `data`; (None, ...) when refused."""
    started = time.monotonic()
    try:
        with opener.open(url, data=urllib.parse.urlencode(data).encode() if data else None, timeout=10) as answer:
            status, headers, body = answer.status, answer.headers, answer.read().decode()
    except urllib.error.HTTPError as error:
        status, headers, body = error.code, error.headers, error.read().decode()
    except (urllib.error.URLError, ConnectionError):
        status, headers, body = None, {}, ""
    return status, headers, body, time.monotonic() - started


def wait_for(condition, seconds):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not within {seconds} s"
        time.sleep(0.2)


def test_pages_answer_503_while_the_database_is_down_and_200_once_it_is_back(postgres, site):
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    login_form = fetch(site + "/admin/login/", opener=browser)[2]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_form)[1]
    postgres.stop()
    try:
        pages = {
            "zh-hant": fetch(site + "/zh-hant/"),
            "en": fetch(site + "/en/claims/"),
            "admin": fetch(
                site + "/admin/login/",
                data={"csrfmiddlewaretoken": token, "username": "analyst", "password": "pw-analyst-1"},
                opener=browser,
            ),
        }
    finally:
        postgres.start()

    for name, (status, headers, body, seconds) in pages.items():
        assert status == 503, (name, status, body[:500])
        assert headers["Retry-After"] == "30", name
        assert seconds < 5, (name, seconds)
    assert "暫時無法使用" in pages["zh-hant"][2]
    assert "Temporarily unavailable" in pages["en"][2]
    assert "暫時無法使用" in pages["admin"][2]
    # Service returns by itself: no restart of gunicorn.
    wait_for(lambda: fetch(site + "/en/claims/")[0] == 200, seconds=10)
