"""How a web process knows the data revision without asking PostgreSQL on every public request.

Each process keeps one connection of its own that LISTENs on the revision's channel; `Revision.bump`
notifies the new number in the transaction that moves it, and PostgreSQL delivers the notice to every
listening process, on every app server, once that transaction commits. A public request then reads
the socket without waiting (no round trip): a notice that has arrived gives the new number.

The number is read from the table when the connection opens (after LISTEN, so that no move is missed
in between) and again when it is older than CONFIRM_SECONDS, so a connection that died without a
word (TCP keepalives and a 2-second TCP timeout bound that read), or a move that sent no notice,
costs a reader at most that long. A kept connection that fails is replaced at once; if no new one
opens, the error reaches the caller as Django's OperationalError, which the public pages answer
with 503.

It serves only where the revision is read from the primary database (REVISION_LISTEN, on by default
for PostgreSQL without a replica): a replica can be behind its primary, and a page rendered from it
must carry the revision the replica has, which `Revision.current()` reads there.
"""

import os
import threading
import time

import psycopg
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections

from claims.models import Revision

CONFIRM_SECONDS = 5.0


class RevisionListener:
    def __init__(self, alias=DEFAULT_DB_ALIAS):
        self.alias = alias
        self.lock = threading.Lock()  # threaded servers share one listener per process
        self.connection = None
        self.pid = None  # the process that opened the connection: a forked child opens its own
        self.number = 0
        self.heard = 0  # the highest number a notice gave since the last read from the table
        self.confirmed = 0.0  # time.monotonic() of the last read from the table

    def current(self):
        """The revision number: from the notices received, or from the table when due."""
        with self.lock:
            kept = self.connection is not None and self.pid == os.getpid()
            try:
                try:
                    return self._current()
                except (psycopg.OperationalError, psycopg.InterfaceError):
                    self._drop()
                    if not kept:
                        raise
                return self._current()  # the kept connection had died: once more, on a new one
            except (psycopg.OperationalError, psycopg.InterfaceError) as error:
                self._drop()
                raise OperationalError(str(error)) from error  # Django's, which the public pages answer with 503
            except psycopg.Error:
                self._drop()
                raise

    def close(self):
        with self.lock:
            self._drop()

    def _current(self):
        if self.connection is None or self.pid != os.getpid():
            self._open()
        elif time.monotonic() - self.confirmed > CONFIRM_SECONDS:
            self._confirm()
        else:
            # Take in whatever the server has sent, without waiting. Twice: a server ending the connection sends
            # its reason, then closes, and only a read after the reason fails.
            pgconn = self.connection.pgconn
            pgconn.consume_input()
            pgconn.consume_input()
            while (notice := pgconn.notifies()) is not None:
                self._notified(notice.extra.decode())
            if pgconn.status != psycopg.pq.ConnStatus.OK:
                raise psycopg.OperationalError("the revision listener's connection is closed")
        return self.number

    def _open(self):
        self.connection = None  # a parent's connection is left to the parent, never closed from a child
        self.pid = None
        settings = connections[self.alias].settings_dict  # read now: the tests' database has its own name
        self.connection = psycopg.connect(
            dbname=settings["NAME"],
            user=settings["USER"],
            password=settings["PASSWORD"],
            host=settings["HOST"],
            port=settings["PORT"],
            connect_timeout=settings["OPTIONS"].get("connect_timeout", 3),
            options=settings["OPTIONS"].get("options", ""),  # the statement timeout
            # An idle connection lives as long as the process: a peer gone silent is noticed by TCP within seconds,
            # so a request waits that long, not the minutes TCP's defaults would take.
            keepalives=1,
            keepalives_idle=30,
            keepalives_interval=5,
            keepalives_count=3,
            tcp_user_timeout=2000,
            autocommit=True,
        )
        self.pid = os.getpid()
        # Notices that arrive while a query runs reach this handler; the others are read in _current.
        self.connection.add_notify_handler(lambda notice: self._notified(notice.payload))
        self.connection.execute(f"LISTEN {Revision.CHANNEL}")
        self._confirm()

    def _confirm(self):
        self.heard = 0  # a notice that comes with the answer is newer than the row read
        row = self.connection.execute(Revision.number_sql()).fetchone()
        self.number = max(row[0] if row else 0, self.heard)  # the row, even below the number held: a restored backup
        self.confirmed = time.monotonic()

    def _notified(self, payload):
        try:
            number = int(payload)
        except ValueError:
            return  # not the tracker's: any role may NOTIFY on the channel
        self.heard = max(self.heard, number)
        self.number = max(self.number, self.heard)

    def _drop(self):
        connection, self.connection = self.connection, None
        if connection is not None and self.pid == os.getpid():
            connection.close()


listener = RevisionListener()
