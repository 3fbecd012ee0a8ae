"""The revision listener: a process learns the data revision from PostgreSQL's notices, without a query per page.

These tests commit for real (a notice is sent when its transaction commits) and need PostgreSQL. The last one
runs two gunicorn servers on the test database, as two app servers.
"""

import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import psycopg
import pytest
from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings

from claims import revision_listener
from claims.models import Claim, Revision
from claims.revision_listener import RevisionListener
from tests.config.test_outage import environment, fetch, free_port, wait_for

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("LISTEN and NOTIFY are PostgreSQL's")


@pytest.fixture
def listener():
    listening = RevisionListener()
    yield listening
    listening.close()


def eventually(read, expected, seconds=3.0):
    """`read()` once it returns `expected` (a notice takes a moment to arrive), else what it returned last."""
    deadline = time.monotonic() + seconds
    while (value := read()) != expected and time.monotonic() < deadline:
        time.sleep(0.01)
    return value


def test_the_listener_starts_from_the_table_and_hears_each_committed_move(listener, monkeypatch):
    Revision.bump()
    assert listener.current() == Revision.current()
    monkeypatch.setattr(revision_listener, "CONFIRM_SECONDS", 3600)  # only a notice can tell it now
    before = Revision.current()
    Revision.bump()
    assert eventually(listener.current, before + 1) == before + 1
    Revision.bump()
    Revision.bump()
    assert eventually(listener.current, before + 3) == before + 3


def test_a_move_inside_a_transaction_is_heard_only_once_it_commits(listener, monkeypatch):
    Revision.bump()
    monkeypatch.setattr(revision_listener, "CONFIRM_SECONDS", 3600)
    before = listener.current()
    with transaction.atomic():
        Revision.bump()  # pg_notify inside the transaction
        time.sleep(0.2)
        assert listener.current() == before
    assert eventually(listener.current, before + 1) == before + 1


def test_a_write_moves_the_revision_the_listener_hears(listener, make_claim, monkeypatch):
    claim = make_claim()
    monkeypatch.setattr(revision_listener, "CONFIRM_SECONDS", 3600)
    before = listener.current()
    Claim.objects.get(pk=claim.pk).edit({"text_en": "A new wording."}, reason="Wording.")
    assert eventually(listener.current, before + 1) == before + 1


def test_a_notice_that_is_not_a_number_is_ignored(listener, monkeypatch):
    monkeypatch.setattr(revision_listener, "CONFIRM_SECONDS", 3600)
    before = listener.current()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, 'not a number')", [Revision.CHANNEL])
    time.sleep(0.2)
    assert listener.current() == before


def test_a_move_that_sent_no_notice_is_read_once_the_number_is_due(listener, monkeypatch):
    Revision.bump()
    before = listener.current()
    Revision.objects.filter(pk=1).update(number=before + 10)  # no NOTIFY: as if the notice were lost
    time.sleep(0.2)
    assert listener.current() == before
    listener.confirmed -= revision_listener.CONFIRM_SECONDS  # the number read from the table is now due
    assert listener.current() == before + 10


def test_a_connection_the_server_ended_is_replaced_without_an_error(listener):
    listener.current()
    ended = listener.connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [ended])  # returns once it has ended
    assert listener.current() == Revision.current()
    assert listener.connection.info.backend_pid != ended
    before = Revision.current()
    Revision.bump()
    assert eventually(listener.current, before + 1) == before + 1


def test_no_database_is_djangos_operational_error_after_one_try(listener, monkeypatch):
    tries = []

    def refuse(**kwargs):
        tries.append(kwargs)
        raise psycopg.OperationalError("connection refused")

    monkeypatch.setattr(psycopg, "connect", refuse)
    with pytest.raises(OperationalError, match="connection refused"):
        listener.current()
    assert len(tries) == 1  # no second wait for a database that did not answer
    monkeypatch.undo()
    assert listener.current() == Revision.current()  # and it opens once the database answers


def test_a_mistake_that_is_not_an_outage_is_not_a_503(listener, monkeypatch):
    monkeypatch.setattr(Revision._meta, "db_table", "no_such_table")
    with pytest.raises(psycopg.errors.UndefinedTable):
        listener.current()


def test_a_forked_process_opens_its_own_connection_and_leaves_the_parents_open(listener):
    listener.current()
    parents = listener.connection
    listener.pid = -1  # as in a child forked after the parent opened its connection
    listener.current()
    assert listener.connection is not parents
    assert not parents.closed
    parents.close()


def test_threads_share_one_listener(listener):
    before = listener.current()
    errors, seen = [], []

    def read():
        try:
            for _ in range(200):
                seen.append(listener.current())
        except Exception as error:  # noqa: BLE001 - the test reports any
            errors.append(error)

    readers = [threading.Thread(target=read) for _ in range(6)]
    for reader in readers:
        reader.start()
    for _ in range(5):
        Revision.bump()
    for reader in readers:
        reader.join()
    assert errors == []
    assert min(seen) >= before
    assert eventually(listener.current, before + 5) == before + 5


def test_with_the_listener_a_304_runs_no_query_and_a_write_changes_the_etag(client, make_claim, monkeypatch):
    claim = make_claim()
    monkeypatch.setattr(revision_listener, "CONFIRM_SECONDS", 3600)
    with override_settings(REVISION_LISTEN=True, PAGE_CACHE_SECONDS=0):
        try:
            etag = client.get("/en/claims/")["ETag"]
            with CaptureQueriesContext(connection) as queries:
                response = client.get("/en/claims/", HTTP_IF_NONE_MATCH=etag)
            assert response.status_code == 304
            assert len(queries) == 0

            Claim.objects.get(pk=claim.pk).edit({"text_en": "A new wording."}, reason="Wording.")
            status = eventually(lambda: client.get("/en/claims/", HTTP_IF_NONE_MATCH=etag).status_code, 200)
            assert status == 200
            assert "A new wording." in client.get("/en/claims/").content.decode()
        finally:
            revision_listener.listener.close()


@pytest.fixture
def two_servers(tmp_path):
    """Two gunicorn servers of one worker each on the test database, as two app servers behind a load balancer;
    yields their base URLs."""
    database = connection.settings_dict
    url = f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST'] or 'localhost'}:{database['PORT'] or 5432}/{database['NAME']}"
    servers, bases = [], []
    try:
        for number in (1, 2):
            port = free_port()
            log = (tmp_path / f"gunicorn-{number}.log").open("w")
            servers.append(
                subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
                    cwd=settings.BASE_DIR, env=environment(url), stdout=log, stderr=subprocess.STDOUT,
                )
            )  # fmt: skip
            bases.append(f"http://127.0.0.1:{port}")
        for base in bases:
            wait_for(lambda base=base: fetch(base + "/en/methodology/")[0] == 200, seconds=30)
        yield bases
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)


def conditional_get(url, etag):
    """(status, ETag, body) of a GET with If-None-Match."""
    request = urllib.request.Request(url, headers={"If-None-Match": etag})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.headers["ETag"], answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["ETag"], ""


def test_two_app_servers_answer_a_write_with_the_new_page_at_once(make_claim, two_servers):
    claim = make_claim(text_en="The first wording.")
    etags = {fetch(base + "/en/claims/")[1]["ETag"] for base in two_servers}
    assert len(etags) == 1
    etag = etags.pop()
    assert [conditional_get(base + "/en/claims/", etag)[0] for base in two_servers] == [304, 304]

    Claim.objects.get(pk=claim.pk).edit({"text_en": "The second wording."}, reason="Wording.")
    answers = [eventually(lambda base=base: conditional_get(base + "/en/claims/", etag)[0], 200) for base in two_servers]
    assert answers == [200, 200]
    pages = [conditional_get(base + "/en/claims/", etag) for base in two_servers]
    assert pages[0][1] == pages[1][1] != etag  # both servers agree on the new revision
    assert all("The second wording." in body and "The first wording." not in body for _, _, body in pages)
