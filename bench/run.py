"""The performance figures of the claim tracker, each beside its target, on PostgreSQL. Run as `make bench`.

    .venv/bin/python bench/run.py                  # everything, at 100, 1,000 and 100,000 claims
    .venv/bin/python bench/run.py --quick          # 10,000 instead of 100,000, shorter loads: to try it out
    .venv/bin/python bench/run.py --only latency   # one figure (repeat --only for more); --keep keeps the databases

DATABASE_URL is the admin connection (default postgres://postgres@127.0.0.1:5432/postgres): through it the run
creates throw-away databases beside it (bench_template, migrated once and copied; bench_100, bench_1k, bench_100k;
bench_seed), fills them with `manage.py generate_synthetic` (the heavy claim, 10,000 history rows, goes into the
largest), opens a review cycle where there is none (before the bench's superuser exists, so that it assigns no
reviews to it), creates the superuser `bench`, runs `collectstatic`, measures, and drops the databases at the end.
Pages are served by gunicorn in production mode (DJANGO_DEBUG false, a bench secret key, allowed hosts 127.0.0.1,
SSL redirect, HSTS and secure cookies off for loopback), with two changes so that a slow page is measured rather
than cut off: no statement timeout and a 300-second worker timeout. Other variables pass through: with
PAGE_CACHE_SECONDS=0 the pages are measured without their page cache.

The figures (README, "Performance"):
  queries     queries per request of every public page and two admin pages at 100 and at the largest size,
              counted in a Django process with the test client (first request and the one after): equal
  latency     median and p95 over HTTP (one gunicorn worker, 2 warm-ups, 100 timed) of the same pages, largest over
              100: at most 1.5; the streamed downloads (the exports, a review's CSV) timed to their first byte
  throughput  requests per second of the home page, claim list and a claim page over a static file of the same
              bytes from the same server (whitenoise), fresh (at least 0.5) and with If-None-Match (at least 0.9)
  memory      peak RSS (VmHWM) of a lone gunicorn worker serving each export, largest over 1,000: at most 1.2
  heavy       median latency of the claim with 10,000 history rows over a light claim, plain and ?as_of: 1.5
  seed        `manage.py seed` on an empty migrated database, timed inside the process: under 1 s
  generator   claims per second of generate_synthetic at the largest size, from its summary line: at least 2,000

Every figure is printed as `name: value (target ...) PASS/FAIL` as soon as it is known, judged as printed (to two
decimals), and all of them are written to bench/results.txt (overwritten each run). It exits 1 when a figure misses
its target or cannot be measured. An advisory lock keeps a second run on the same server from starting.
"""

import argparse
import contextlib
import datetime
import http.client
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.txt"
STATIC_ROOT = ROOT / "staticfiles"  # config/settings.py's
STATIC_COPIES = "bench-copies"  # the pages' copies in STATIC_ROOT, removed at the end
ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
USERNAME = "bench"  # the bench's superuser; bench/load.py's login() signs in with pw-<name>-bench
HEAVY_HISTORY = 10_000
LOCK = 7_201_642  # the advisory lock of a bench run, any number that nothing else uses
THROUGHPUT_PAGES = ["home", "claim list page 1", "claim page"]
EXPORTS = ["data/claims.json", "data/claims.csv"]
# Streamed downloads, whose latency is timed to their first byte.
DOWNLOADS = {*EXPORTS, "review report CSV"}
FIGURES = ["queries", "latency", "throughput", "memory", "heavy", "seed", "generator"]
ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "bench-only-not-secret-0123456789abcdefghijklmnopqrstuvwxyz",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_SECURE_SSL_REDIRECT": "false",
    "DJANGO_SECURE_HSTS_SECONDS": "0",
    "DJANGO_SECURE_COOKIES": "false",
    "DJANGO_LOG_LEVEL": "WARNING",
    "DATABASE_STATEMENT_TIMEOUT": "0",
    "DATABASE_POOL": "false",
}


# Pure helpers (tests/config/test_bench.py)


def percentile(values, share):
    """The `share` (0 to 1) percentile of `values`, interpolated between the two nearest ranks; None when empty."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = share * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def ratio(numerator, denominator):
    """numerator / denominator, or None when either is missing or the denominator is not positive."""
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def format_ratio(value):
    return "n/a" if value is None else f"{value:.2f}"


def meets(value, target):
    """Whether `value` meets `target`, a pair (rule, limit): "at most", "at least", "under" or "equal".

    For "equal" the value is a pair of counts. A missing value (None) never meets a target.
    """
    rule, limit = target
    if value is None:
        return False
    if rule == "equal":
        first, second = value
        return first is not None and first == second
    return {"at most": value <= limit, "at least": value >= limit, "under": value < limit}[rule]


def describe(target):
    rule, limit = target
    return "target equal" if rule == "equal" else f"target {rule} {limit:g}"


def verdict(value, target):
    return "PASS" if meets(value, target) else "FAIL"


def figure_line(name, shown, target, outcome):
    """One figure as printed and written: `name: value (target ...) PASS/FAIL`."""
    return f"{name}: {shown} ({describe(target)}) {outcome}"


def size_label(claims):
    """100 -> "100", 1000 -> "1k", 100000 -> "100k": the suffix of a database's name."""
    return f"{claims // 1000}k" if claims >= 1000 and claims % 1000 == 0 else str(claims)


def claims_per_second(summary):
    """The claims per second that generate_synthetic's summary line states ("2,345 claims/s", "... per second")."""
    found = re.search(r"([\d][\d,]*(?:\.\d+)?)\s*claims?\s*(?:per\s+second|per\s+s\b|/\s*s\b)", summary, re.I)
    return float(found.group(1).replace(",", "")) if found else None


def milliseconds(seconds):
    return "n/a" if seconds is None else f"{seconds * 1000:.1f} ms"


# The run: figures collected as they come


class Report:
    def __init__(self):
        self.lines, self.failed, self.errors = [], 0, []

    def figure(self, name, shown, target, value):
        """Judge the figure as it is printed: a ratio or a time of 1.2003 is 1.20, and meets "at most 1.2"."""
        outcome = verdict(round(value, 2) if isinstance(value, float) else value, target)
        self.failed += outcome != "PASS"
        self.add(figure_line(name, shown, target, outcome))

    def missing(self, name, target, why):
        self.failed += 1
        self.add(figure_line(name, f"not measured: {why}", target, "FAIL"))

    def add(self, line):
        self.lines.append(line)
        print(line, flush=True)


def progress(message):
    print(f"... {message}", flush=True)


def database_url(admin_url, name):
    return urlsplit(admin_url)._replace(path=f"/{name}").geturl()


def environment(admin_url, database):
    return {**os.environ, **ENVIRONMENT, "DATABASE_URL": database_url(admin_url, database), "PYTHONUNBUFFERED": "1"}


def lock_out_other_runs(admin_url):
    """An advisory lock held for the run: two runs on one server would drop each other's databases."""
    import psycopg

    connection = psycopg.connect(admin_url, autocommit=True)
    if not connection.execute("SELECT pg_try_advisory_lock(%s)", [LOCK]).fetchone()[0]:
        connection.close()
        sys.exit("Another bench run is using the bench databases of this server; try again when it has finished.")
    return connection


def admin_sql(admin_url, *statements):
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


def manage(env, *args):
    """Run manage.py; returns (stdout, seconds). Stops the run with its output when it fails."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return done.stdout.strip(), time.monotonic() - started


def inside(env, task, **options):
    """Run `task` in a Django process of its own (this file with --inside); returns what it wrote as JSON."""
    with tempfile.NamedTemporaryFile("r", suffix=".json", prefix="bench-") as result:
        command = [
            sys.executable,
            __file__,
            "--inside",
            task,
            "--result",
            result.name,
            "--options",
            json.dumps(options),
        ]
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{task} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
        return json.load(result)


# Databases


def has_generator():
    return (ROOT / "claims/management/commands/generate_synthetic.py").exists()


def build(admin_url, name, claims, heavy):
    """A copy of the migrated template filled with `claims` claims; returns (generator's summary, seconds)."""
    admin_sql(
        admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name} TEMPLATE bench_template"
    )
    env = environment(admin_url, name)
    if not has_generator():
        return manage(env, "seed")
    command = ["generate_synthetic", "--claims", str(claims), "--seed", "1"]
    command += ["--heavy-claim-history", str(HEAVY_HISTORY)] if heavy else []
    output, seconds = manage(env, *command)
    return (output.splitlines() or [""])[-1], seconds


# gunicorn


def proc_children(pid):
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(stat.parent.name))
    return children


def peak_rss_kib(pid):
    """VmHWM of a process, its resident set's high-water mark, in KiB."""
    found = re.search(r"^VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
    return int(found.group(1))


@contextlib.contextmanager
def gunicorn(env, workers):
    """gunicorn on a free port of 127.0.0.1, stopped whatever happens: yields (port, master pid, log path)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tempfile.NamedTemporaryFile("w", prefix="claims-bench-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
               "--timeout", "300", "config.wsgi"]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while server.poll() is None and time.monotonic() < deadline and get(port, "/en/methodology/")[0] != 200:
            time.sleep(0.2)
        while server.poll() is None and len(proc_children(server.pid)) < workers and time.monotonic() < deadline:
            time.sleep(0.1)
        if server.poll() is not None or time.monotonic() >= deadline:
            raise RuntimeError(f"gunicorn did not start; see {log.name}")
        yield port, server.pid, log.name
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def get(port, path, headers=None, session=None):
    """One GET on a new connection; returns (status, headers, body bytes, seconds, seconds to the first byte of the
    body). Status 0: no answer."""
    headers = {"Accept-Language": "en", **(headers or {})}
    if session and session["cookies"]:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in session["cookies"].items())
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=310)
    started = time.monotonic()
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read(1)
        first_byte = time.monotonic() - started
        body += response.read()
        return response.status, response.headers, body, time.monotonic() - started, first_byte
    except OSError:
        return 0, None, b"", time.monotonic() - started, time.monotonic() - started
    finally:
        connection.close()


def admin_session(port):
    """Log the bench's superuser in through /admin/login/, as bench/load.py's analysts do."""
    sys.path.insert(0, str(ROOT / "bench"))
    import load

    return load.login(port, USERNAME)


# The figures


def count_queries(report, small, large, infos):
    """Figure 1: the queries of each page at 100 and at the largest size, counted inside Django."""
    counts = {}
    for label, (env, info) in {small: infos[small], large: infos[large]}.items():
        progress(f"counting queries at {label} claims")
        counts[label] = inside(env, "queries", pages=info["pages"])
    for name in infos[large][1]["pages"]:
        first, second = counts[small].get(name), counts[large].get(name)
        if first is None or second is None:
            report.missing(f"queries {name}", ("equal", None), "no such page in one of the databases")
            continue
        statuses = {first["status"], second["status"]}
        shown = f"{first['cold']} at {small}, {second['cold']} at {large}"
        shown += f"; the next request {first['warm']}, {second['warm']}"
        if statuses != {200}:
            shown += f"; HTTP {first['status']}, {second['status']}"
        equal = statuses == {200} and first["warm"] == second["warm"]
        report.figure(f"queries {name}", shown, ("equal", None), (first["cold"], second["cold"]) if equal else None)


def sample(targets, count, warmups, budget):
    """Time the pages of `targets` ({key: (port, path, session)}) in turn, so that a change in the machine's load
    falls on all of them alike: `warmups` untimed rounds, then up to `count` timed ones (at least 5, and none more
    once `budget` seconds have gone). Returns {key: {"median", "p95", "first byte median", "first byte p95", "n",
    "statuses"}} in seconds."""
    statuses, times = {key: Counter() for key in targets}, {key: [] for key in targets}
    first_bytes = {key: [] for key in targets}
    for _ in range(warmups):
        for key, (port, path, session) in targets.items():
            statuses[key][get(port, path, session=session)[0]] += 1
    started, rounds = time.monotonic(), 0
    while rounds < count and (rounds < 5 or time.monotonic() - started < budget):
        for key, (port, path, session) in targets.items():
            status, _, _, seconds, first_byte = get(port, path, session=session)
            statuses[key][status] += 1
            times[key].append(seconds)
            first_bytes[key].append(first_byte)
        rounds += 1
    return {
        key: {
            "median": statistics.median(found),
            "p95": percentile(found, 0.95),
            "first byte median": statistics.median(first_bytes[key]),
            "first byte p95": percentile(first_bytes[key], 0.95),
            "n": len(found),
            "statuses": statuses[key],
        }
        for key, found in times.items()
    }


def answers(statuses):
    return ", ".join(f"HTTP {status}: {n}" for status, n in sorted(statuses.items()))


def measure_latency(report, ports, infos, args):
    """Figure 2: each page at the small and the large size, timed in turn on two servers of one worker each."""
    (small, small_port), (large, large_port) = sorted(ports.items())
    sessions = {small: admin_session(small_port), large: admin_session(large_port)}
    for name, path in infos[large][1]["pages"].items():
        targets = {large: (large_port, path, sessions[large] if path.startswith("/admin/") else None)}
        if name in infos[small][1]["pages"]:
            other = infos[small][1]["pages"][name]
            targets[small] = (small_port, other, sessions[small] if other.startswith("/admin/") else None)
        found = sample(targets, args.requests, args.warmups, args.page_budget)
        progress(
            f"  {name}: median " + ", ".join(f"{milliseconds(f['median'])} at {size}" for size, f in found.items())
        )
        at_small, at_large = found.get(small), found[large]
        for measure in ("median", "p95"):
            target = ("at most", 1.5)
            if at_small is None:
                report.missing(f"latency {measure} {name}", target, f"no such page at {small} claims")
                continue
            # A download grows with the data it holds: what a reader waits for is its first byte.
            timed = f"first byte {measure}" if name in DOWNLOADS else measure
            value = ratio(at_large[timed], at_small[timed])
            shown = f"{format_ratio(value)} ({milliseconds(at_small[timed])} at {small}, "
            shown += f"{milliseconds(at_large[timed])} at {large}; n={at_small['n']})"
            if name in DOWNLOADS:
                shown += f"; to the first byte; the whole download {milliseconds(at_small[measure])} at {small}, "
                shown += f"{milliseconds(at_large[measure])} at {large}"
            bad = sorted({*at_small["statuses"], *at_large["statuses"]} - {200})
            if bad:
                shown += f"; {answers(at_small['statuses'])} at {small}; {answers(at_large['statuses'])} at {large}"
            report.figure(f"latency {measure} {name}", shown, target, None if bad else value)


def hammer(port, path, seconds, concurrency, headers, expected):
    """`concurrency` threads asking for `path` for `seconds`, each on its own kept-alive connection (gunicorn's sync
    workers close it after each answer, and http.client opens the next one by itself).
    Returns (answers with status `expected`, seconds taken, {other status or error: count})."""
    done, others, lock, stop = Counter(), Counter(), threading.Lock(), time.monotonic() + seconds

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=310)
        mine, theirs = 0, Counter()
        while time.monotonic() < stop:
            try:
                connection.request("GET", path, headers={"Accept-Language": "en", **headers})
                response = connection.getresponse()
                response.read()
                if response.status == expected:
                    mine += 1
                else:
                    theirs[response.status] += 1
            except (OSError, http.client.HTTPException) as error:
                theirs[type(error).__name__] += 1
                connection.close()
        connection.close()
        with lock:
            done["ok"] += mine
            others.update(theirs)

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done["ok"], time.monotonic() - started, dict(others)


def measure_throughput(report, port, pages, args):
    """Figure 3: each page over its same-sized static copy, fresh and conditional, the two loads taking turns in
    rounds of about 2 seconds so that a change in the machine's load falls on both alike."""
    rounds = max(1, round(args.seconds / 2))
    for name in THROUGHPUT_PAGES:
        path, static = pages[name], f"/static/{STATIC_COPIES}/{slug(name)}.html"
        page_status, page_headers, page_body, *_ = get(port, path)
        static_status, static_headers, static_body, *_ = get(port, static)
        sizes = f"{len(page_body):,} bytes, static copy {len(static_body):,}"
        tags = {"page": page_headers.get("ETag") if page_headers else None}
        tags["static"] = static_headers.get("ETag") if static_headers else None
        for kind, target in (("fresh", ("at least", 0.5)), ("conditional", ("at least", 0.9))):
            if page_status != 200 or static_status != 200:
                report.missing(
                    f"throughput {kind} {name}", target, f"HTTP {page_status} (page), {static_status} (file)"
                )
                continue
            if kind == "conditional" and not all(tags.values()):
                report.missing(f"throughput {kind} {name}", target, f"no ETag ({tags})")
                continue
            loads = {
                which: (where, {"If-None-Match": tags[which]} if kind == "conditional" else {})
                for which, where in (("page", path), ("static", static))
            }
            expected = 304 if kind == "conditional" else 200
            totals = {which: [0, 0.0, Counter()] for which in loads}
            for which, (where, headers) in loads.items():
                hammer(port, where, 1, args.concurrency, headers, expected)  # untimed: every worker serves it once
            for _ in range(rounds):
                for which, (where, headers) in loads.items():
                    count, seconds, others = hammer(
                        port, where, args.seconds / rounds, args.concurrency, headers, expected
                    )
                    totals[which][0] += count
                    totals[which][1] += seconds
                    totals[which][2].update(others)
            rates = {which: count / seconds for which, (count, seconds, _) in totals.items()}
            value = ratio(rates["page"], rates["static"])
            shown = f"{format_ratio(value)} ({rates['page']:.1f}/s over {rates['static']:.1f}/s; {sizes}; "
            shown += f"{args.concurrency} clients, {args.seconds:g} s each)"
            unexpected = {which: dict(others) for which, (_, _, others) in totals.items() if others}
            if unexpected:
                shown += f"; other answers {unexpected}"
            progress(f"  {kind} {name}: page {rates['page']:.1f}/s, static {rates['static']:.1f}/s")
            report.figure(f"throughput {kind} {name}", shown, target, None if unexpected else value)


def measure_memory(env):
    """Peak RSS in KiB of a lone gunicorn worker serving each export once, restarted for each: {path: (before, after)}."""
    peaks = {}
    for path in EXPORTS:
        with gunicorn(env, 1) as (port, master, _):
            (worker,) = proc_children(master)
            get(port, "/en/methodology/")  # Django loaded and a page rendered: the baseline
            before = peak_rss_kib(worker)
            status, _, body, seconds, _ = get(port, f"/en/{path}")
            peaks[path] = {"before": before, "after": peak_rss_kib(worker), "status": status, "bytes": len(body)}
            progress(
                f"  {path}: HTTP {status}, {len(body):,} bytes in {seconds:.1f} s, VmHWM {before:,} -> "
                f"{peaks[path]['after']:,} KiB"
            )
    return peaks


def report_memory(report, middle, large, memory):
    for path in EXPORTS:
        first, second = memory[middle][path], memory[large][path]
        value = ratio(second["after"], first["after"])
        shown = f"{format_ratio(value)} (worker peak {first['after'] / 1024:.0f} MiB at {middle}, "
        shown += f"{second['after'] / 1024:.0f} MiB at {large}; grew by {(first['after'] - first['before']) / 1024:.0f}"
        shown += f" and {(second['after'] - second['before']) / 1024:.0f} MiB for {first['bytes']:,} and "
        shown += f"{second['bytes']:,} bytes)"
        bad = {first["status"], second["status"]} - {200}
        if bad:
            shown += f"; HTTP {sorted(bad)}"
        report.figure(f"memory {path}", shown, ("at most", 1.2), None if bad else value)


def measure_heavy(report, port, info, args):
    """Figure 5: the claim with the most history rows over a light one, by median latency, timed in turn."""
    heavy, light = info.get("heavy"), info["light"]
    for kind, query in (("claim page", ""), ("claim page as_of", f"?as_of={info['as_of']}")):
        name, target = f"heavy history {kind}", ("at most", 1.5)
        if heavy is None:
            report.missing(name, target, "no claim with a heavy history in the data")
            continue
        targets = {which: (port, claim["path"] + query, None) for which, claim in (("heavy", heavy), ("light", light))}
        found = sample(targets, args.requests, args.warmups, args.page_budget)
        value = ratio(found["heavy"]["median"], found["light"]["median"])
        shown = f"{format_ratio(value)} ({milliseconds(found['heavy']['median'])} for {heavy['label']} with "
        shown += f"{heavy['history']:,} history rows, {milliseconds(found['light']['median'])} for {light['label']} "
        shown += f"with {light['history']:,}; {info['history_rows']:,} claim history rows in all"
        shown += f"{'; as of ' + info['as_of'] if query else ''}; n={found['heavy']['n']})"
        bad = sorted({*found["heavy"]["statuses"], *found["light"]["statuses"]} - {200})
        if bad:
            shown += f"; {answers(found['heavy']['statuses'])} heavy; {answers(found['light']['statuses'])} light"
        report.figure(name, shown, target, None if bad else value)


def slug(name):
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


# Inside a Django process (--inside TASK)


def prepare_task(options):
    """Open a review cycle if there is none, create the bench's superuser, and find the pages to measure."""
    from django.core.management import call_command
    from django.db.models import Count
    from django.utils import timezone

    from analysts.models import Analyst, ReviewCycle
    from claims import views
    from claims.models import Actor, Claim, Topic, Track

    if not ReviewCycle.objects.exists():
        # Before the bench's superuser exists: a superuser is a reviewer, and would be given every claim.
        call_command("review_claims", open=timezone.localdate().strftime("%Y-%m"), stdout=open(os.devnull, "w"))
    user, created = Analyst.objects.get_or_create(username=USERNAME, defaults={"is_staff": True, "is_superuser": True})
    if created:
        user.set_password(f"pw-{USERNAME}-bench")
        user.save()

    history = Claim.history.model.objects
    public = Claim.objects.public().select_related("source").order_by("source_id", "number")
    rows = history.values("id").annotate(rows=Count("history_id")).order_by("-rows")
    heavy = rows.filter(id__in=public.values("id")).first() if options["heavy"] else None
    # The light claim is the second public one in every database: generate_synthetic makes the same first source
    # whatever the size, and gives the heavy history to its first claim, so each size shows the same claim.
    first = list(public[:3])
    light = next((claim for claim in first[1:] if not heavy or claim.pk != heavy["id"]), first[0] if first else None)
    if light is None:
        raise RuntimeError("no public claim in the database")

    def described(claim):
        return {
            "label": claim.label,
            "path": en_path(claim.get_absolute_url()),
            "history": history.filter(id=claim.pk).count(),
        }

    found = {"light": described(light), "history_rows": history.count(), "claims": Claim.objects.count()}
    # A past day on which both claims were public: the later of the day each was published and, for the heavy
    # claim, the day of its middle history row, so that ?as_of rebuilds it from half its history.
    moments = [light.made_public()]
    if heavy:
        claim = Claim.objects.select_related("source").get(pk=heavy["id"])
        found["heavy"] = described(claim)
        dates = history.filter(id=claim.pk).order_by("history_date").values_list("history_date", flat=True)
        moments += [claim.made_public(), dates[found["heavy"]["history"] // 2]]
    today = timezone.localdate()
    found["as_of"] = min([timezone.localdate(max(filter(None, moments), default=timezone.now())), today]).isoformat()

    last_page = max(1, math.ceil(Claim.objects.public().count() / getattr(views, "PAGE_SIZE", 25)))
    pages = {
        "home": "/en/",
        "claim list page 1": "/en/claims/",
        "claim list last page": f"/en/claims/?page={last_page}",
        "claim page": found["light"]["path"],
        "essay (source page)": en_path(light.source.get_absolute_url()),
        "tracks": "/en/tracks/",
        "topics": "/en/topics/",
        "actors": "/en/actors/",
    }
    for name, model in (("track", Track), ("topic", Topic), ("actor", Actor)):
        first = model.objects.order_by("slug").first()
        if first:
            pages[name] = en_path(first.get_absolute_url())
    pages.update({"methodology": "/en/methodology/", "scorecard": "/en/scorecard/", "reviews": "/en/reviews/"})
    cycle = ReviewCycle.objects.order_by("-starts_on").first()
    if cycle:
        pages["review report"] = f"/en/reviews/{cycle.label}/"
        pages["review report CSV"] = f"/en/reviews/{cycle.label}/report.csv"
    pages.update({name: f"/en/{name}" for name in EXPORTS})
    pages["feeds/updates/"] = "/en/feeds/updates/"
    pages["admin claim list"] = "/admin/claims/claim/"
    pages["admin claim form"] = f"/admin/claims/claim/{light.pk}/change/"
    found["pages"] = pages

    return found


def en_path(path):
    """A public page's address under /en/, whatever language the process was in when it was reversed."""
    return "/en/" + path.lstrip("/").split("/", 1)[1] if path.startswith(("/en/", "/zh-hant/")) else path


def queries_task(options):
    """Queries of each page's first request in this process and of the next one, with the test client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from analysts.models import Analyst

    reader = Client(HTTP_ACCEPT_LANGUAGE="en", SERVER_NAME="127.0.0.1")  # public pages: an anonymous reader
    analyst = Client(HTTP_ACCEPT_LANGUAGE="en", SERVER_NAME="127.0.0.1")
    analyst.force_login(Analyst.objects.get(username=USERNAME), backend="django.contrib.auth.backends.ModelBackend")
    found = {}
    for name, path in options["pages"].items():
        client, counts = analyst if path.startswith("/admin/") else reader, []
        for _ in range(2):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
                # A streamed page runs its queries while it is read.
                body = b"".join(response.streaming_content) if response.streaming else response.content
                response.close()
            counts.append(len(queries))
        found[name] = {"status": response.status_code, "cold": counts[0], "warm": counts[1], "bytes": len(body)}
    return found


def seed_task(options):
    """`manage.py seed`, timed around the command alone (Django is already set up)."""
    import io

    from django.core.management import call_command

    output = io.StringIO()
    started = time.perf_counter()
    call_command("seed", stdout=output, stderr=io.StringIO())
    return {"seconds": time.perf_counter() - started, "summary": output.getvalue().strip()}


def run_inside(task, result, options):
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    tasks = {"prepare": prepare_task, "queries": queries_task, "seed": seed_task}
    Path(result).write_text(json.dumps(tasks[task](json.loads(options)), default=str))


# The driver


def arguments():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10,000 claims instead of 100,000, 3 s loads, 20 requests")
    parser.add_argument("--only", action="append", choices=FIGURES, help="measure only this figure (repeatable)")
    parser.add_argument("--keep", action="store_true", help="keep the bench databases afterwards")
    parser.add_argument("--claims", type=int, help="claims of the largest database (default 100,000; 10,000 quick)")
    parser.add_argument("--requests", type=int, help="timed requests per page (default 100; 20 quick)")
    parser.add_argument("--warmups", type=int, default=2, help="untimed requests of each page first (2)")
    parser.add_argument("--page-budget", type=float, default=60, help="seconds a page is timed, past 5 requests (60)")
    parser.add_argument("--seconds", type=float, help="duration of each throughput load (default 10; 3 quick)")
    parser.add_argument("--concurrency", type=int, default=4, help="clients at once in the throughput loads (4)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers for the throughput loads (3)")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where the figures are written")
    parser.add_argument("--inside", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--options", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.claims = args.claims or (10_000 if args.quick else 100_000)
    # A 95th percentile of 20 requests is the slowest but one: one stray pause decides it. Of 100, five lie above it.
    args.requests = args.requests or (20 if args.quick else 100)
    args.seconds = args.seconds or (3 if args.quick else 10)
    args.only = args.only or FIGURES
    return args


def main():
    args = arguments()
    if args.inside:
        return run_inside(args.inside, args.result, args.options)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that gunicorn is stopped and the databases dropped
    admin_url = os.environ.get("DATABASE_URL") or ADMIN_URL
    if urlsplit(admin_url).scheme not in ("postgres", "postgresql"):
        sys.exit(f"DATABASE_URL={admin_url!r}: the bench needs PostgreSQL's admin connection, postgres://...")
    lock = lock_out_other_runs(admin_url)
    small, middle, large = 100, 1000, args.claims
    wanted = set(args.only)
    sizes = {large} if wanted - {"seed"} else set()
    sizes |= {small} if wanted & {"queries", "latency"} else set()
    sizes |= {middle} if "memory" in wanted else set()
    sizes = sorted(sizes)
    report, started, databases = Report(), time.monotonic(), ["bench_template"]
    now = datetime.datetime.now().astimezone()
    header = [
        f"claim tracker benchmark, {now:%Y-%m-%d %H:%M %Z}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f} at the start",
        f"sizes: {', '.join(f'{size:,}' for size in sizes)} claims; gunicorn: 1 worker, {args.workers} for the "
        f"throughput loads; figures: {', '.join(args.only)}",
    ]
    if not has_generator():
        header.append("WARNING: claims/management/commands/generate_synthetic.py is missing: every database holds the "
                      "seed essay (99 claims) instead, so the sizes are not what they say")  # fmt: skip
    for line in header:
        print(line, flush=True)
    try:
        progress("migrating bench_template (copied for each database)")
        admin_sql(admin_url, "DROP DATABASE IF EXISTS bench_template WITH (FORCE)", "CREATE DATABASE bench_template")
        template_env = environment(admin_url, "bench_template")
        manage(template_env, "migrate", "--no-input")
        if wanted - {"queries", "seed", "generator"}:
            progress("collectstatic")
            manage(template_env, "collectstatic", "--no-input")
        infos, generated = {}, {}
        for size in sizes:
            name = f"bench_{size_label(size)}"
            databases.append(name)
            progress(f"building {name}: {size:,} claims" + (" and the heavy claim" if size == large else ""))
            generated[size] = build(admin_url, name, size, heavy=size == large)
            progress(f"  {generated[size][0]} ({generated[size][1]:.1f} s)")
            env = environment(admin_url, name)
            infos[size] = (env, inside(env, "prepare", heavy=size == large and has_generator()))
            info = infos[size][1]
            progress(f"  {info['claims']:,} claims, {info['history_rows']:,} claim history rows")

        if "seed" in wanted:
            progress("seed on an empty migrated database (bench_seed)")
            databases.append("bench_seed")
            admin_sql(admin_url, "DROP DATABASE IF EXISTS bench_seed WITH (FORCE)",
                      "CREATE DATABASE bench_seed TEMPLATE bench_template")  # fmt: skip
            process = time.monotonic()
            seeded = inside(environment(admin_url, "bench_seed"), "seed")
            process = time.monotonic() - process
            shown = (
                f"{seeded['seconds']:.2f} s (the command; {process:.2f} s with the process start; {seeded['summary']})"
            )
            report.figure("seed time", shown, ("under", 1), seeded["seconds"])

        if "generator" in wanted:
            summary, seconds = generated[large]
            stated = claims_per_second(summary)
            measured = infos[large][1]["claims"] / seconds
            shown = f"{stated or 0:,.0f} claims/s as stated ({measured:,.0f} claims/s by the clock, {seconds:.1f} s "
            shown += (
                f"for {infos[large][1]['claims']:,} claims and {infos[large][1]['history_rows']:,} claim history rows"
            )
            shown += f"; {summary!r})"
            if not has_generator():
                report.missing("generator throughput", ("at least", 2000), "generate_synthetic is missing")
            else:
                report.figure("generator throughput", shown, ("at least", 2000), stated)

        if "queries" in wanted:
            count_queries(report, small, large, infos)

        if wanted & {"latency", "heavy"}:
            # One worker each: the page cache is each process's own, and the warm-ups must warm the one that answers.
            with contextlib.ExitStack() as servers:
                ports = {}
                for size in [small, large] if "latency" in wanted else [large]:
                    port, _, log = servers.enter_context(gunicorn(infos[size][0], 1))
                    ports[size] = port
                    progress(f"gunicorn, 1 worker, on bench_{size_label(size)} (log {log})")
                if "latency" in wanted:
                    measure_latency(report, ports, infos, args)
                if "heavy" in wanted:
                    measure_heavy(report, ports[large], infos[large][1], args)
        if "throughput" in wanted:
            env, pages = infos[large][0], infos[large][1]["pages"]
            with gunicorn(env, args.workers) as (port, _, _):
                copies = {name: get(port, pages[name])[2] for name in THROUGHPUT_PAGES}
            # whitenoise finds the files of STATIC_ROOT when gunicorn starts, so the copies go in before it restarts.
            folder = STATIC_ROOT / STATIC_COPIES
            folder.mkdir(parents=True, exist_ok=True)
            for name, body in copies.items():
                (folder / f"{slug(name)}.html").write_bytes(body)
            with gunicorn(env, args.workers) as (port, _, log):
                progress(f"gunicorn, {args.workers} workers, on bench_{size_label(large)} (log {log})")
                measure_throughput(report, port, pages, args)

        if "memory" in wanted:
            memory = {}
            for size in (middle, large):
                progress(f"export memory, one gunicorn worker restarted for each export, bench_{size_label(size)}")
                memory[size] = measure_memory(infos[size][0])
            report_memory(report, middle, large, memory)
    except Exception as error:  # a failed step or a bug: what was measured is still written, the databases dropped
        traceback.print_exc()
        report.errors.append(f"ERROR, the run stopped: {error}")
        print(report.errors[-1], flush=True)
    finally:
        if args.keep:
            progress(f"kept the databases {', '.join(databases)}")
        else:
            progress("dropping the bench databases")
            admin_sql(admin_url, *(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)" for name in databases))
        with contextlib.suppress(Exception):
            shutil.rmtree(STATIC_ROOT / STATIC_COPIES)
        lock.close()
    minutes = (time.monotonic() - started) / 60
    summary = f"{len(report.lines) - report.failed} of {len(report.lines)} figures meet their targets "
    summary += f"({minutes:.1f} min; load average {os.getloadavg()[0]:.1f} at the end)"
    print(summary)
    args.output.write_text("\n".join([*header, "", *report.lines, *report.errors, "", summary]) + "\n")
    print(f"Wrote {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")
    return 1 if report.failed or report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
