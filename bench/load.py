"""Load and race test of the claim tracker on gunicorn and PostgreSQL. Run by hand, not in CI.

    .venv/bin/python bench/load.py --seconds 60 --analysts 4    # a minute of mixed load
    .venv/bin/python bench/load.py --races 50                   # the two edit races, 50 times each

It drops and recreates the database claims_load on 127.0.0.1:5432 (user postgres, trust auth), migrates it,
loads the seed essay (99 claims), creates the analysts load1, load2, ... (superusers in the editor group,
password pw-load1-bench, ...), opens review cycle 2026-11 and starts gunicorn (config.wsgi, DJANGO_DEBUG=true)
on a free port of 127.0.0.1. Load: readers fetch the public pages while each analyst logs in through
/admin/login/ and, submitting what a browser would (every input of the real form, CSRF token, hidden
base_version, inline management forms), edits text_en, resolution_criteria or due_on in the claim change form
(after a 409 it saves again half the time, as the conflict page offers), records status updates in the form's
update inline, corrects updates through the Update add form, adds evidence in the evidence inline and marks
reviews "reviewed, unchanged" from the queue; most writes go to the --hot-claims claims, so that they collide.
Races (--races N): N times each, two analysts open one claim form and save at the same moment: (a) one edits
the text while the other records a status update; (b) both edit the same field, and, in another round, different
fields. The database is left in place for a look afterwards; the next run starts it afresh.

Then it stops gunicorn and reconciles with the database: every accepted write (302) is stored, with a history
row naming its analyst; every refused one got 409 "Edit conflict" or a 200 form with an error; no 5xx; every
claim's status and stage equal its timeline; no edit lost: along each claim's history every edited field holds
its latest accepted value, and an edit was accepted only from a form opened at a version that already had the
field's previous value. It prints requests, status codes, latency percentiles per kind of request and the
reconciliation, and exits 1 when a check fails. gunicorn's log, with the traceback of any 500, stays in /tmp.
"""

import argparse
import contextlib
import datetime
import http.client
import itertools
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "claims_load"
STATUSES = {  # what an update may set, by the scale of the claim's kind
    "veracity": ["accurate", "mostly_accurate", "mixed", "inaccurate", "unverifiable"],
    "progress": ["in_progress", "stalled", "fulfilled", "partly_fulfilled", "not_fulfilled", "void"],
}
EDITABLE = ["text_en", "resolution_criteria", "due_on"]
VISIT = datetime.date(2026, 3, 18)  # the earliest effective date an update gets
STATS, WRITES, ERRORS, LOCK, NUMBERS = [], [], [], threading.Lock(), itertools.count(1)


class FormParser(HTMLParser):
    """The fields a browser submits from the form with id `form_id`; unchecked boxes are kept aside."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.data, self.unchecked = form_id, False, {}, {}
        self.select = self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs, kind = dict(attrs), dict(attrs).get("type", "text")
        self.inside = attrs.get("id") == self.form_id if tag == "form" else self.inside
        name = attrs.get("name")
        if not self.inside or (tag in ("input", "select", "textarea") and (not name or "disabled" in attrs)):
            return
        if tag == "input" and kind in ("checkbox", "radio") and "checked" not in attrs:
            self.unchecked.setdefault(name, []).append(attrs.get("value", "on"))
        elif tag == "input" and kind not in ("submit", "button", "file", "image", "reset"):
            self.data.setdefault(name, []).append(attrs.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select":
            self.select = {"name": name, "multiple": "multiple" in attrs, "first": None}
            self.data.setdefault(name, [])
        elif tag == "option" and self.select:
            self.select["first"] = attrs.get("value", "") if self.select["first"] is None else self.select["first"]
            if "selected" in attrs:
                self.data[self.select["name"]].append(attrs.get("value", ""))
        elif tag == "textarea":
            self.textarea = name
            self.data.setdefault(name, []).append("")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select:
            values = self.data[self.select["name"]]
            if not self.select["multiple"] and not values and self.select["first"] is not None:
                values.append(self.select["first"])  # a single select with nothing selected sends its first option
            self.select = None
        elif tag == "textarea" and self.textarea:
            # Browsers drop the newline right after <textarea> and send line breaks as CRLF.
            value = self.data[self.textarea][-1].removeprefix("\n")
            self.data[self.textarea][-1] = value.replace("\r\n", "\n").replace("\n", "\r\n")
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea][-1] += data


def read_form(html, form_id):
    parser = FormParser(form_id)
    parser.feed(html)
    return parser.data, parser.unchecked


def request(session, method, path, form=None, kind="other", headers=None):
    """One HTTP request on a new connection with the session's cookies; returns (status, headers, text)."""
    origin = f"http://127.0.0.1:{session['port']}"
    headers = {"Accept-Language": session.get("language", "en"), **(headers or {})}
    if session["cookies"]:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in session["cookies"].items())
    body = None if form is None else urlencode(form, doseq=True)
    if body is not None:
        headers.update({"Content-Type": "application/x-www-form-urlencoded", "Origin": origin, "Referer": origin})
    connection = http.client.HTTPConnection("127.0.0.1", session["port"], timeout=120)
    started = time.monotonic()
    try:
        connection.request(method, path, body, headers)
        response = connection.getresponse()
        status, answer, text = response.status, response.headers, response.read().decode("utf-8", "replace")
    except OSError as error:
        status, answer, text = 0, None, repr(error)
    finally:
        connection.close()
    with LOCK:
        STATS.append((kind, status, time.monotonic() - started))
    for header in (answer.get_all("Set-Cookie") or []) if answer is not None else []:
        session["cookies"].update({name: morsel.value for name, morsel in SimpleCookie(header).items()})
    return status, answer, text


def get_form(session, path, form_id, kind):
    """GET a page and read its form as a browser would submit it: (fields, unchecked boxes)."""
    status, _, html = request(session, "GET", path, kind=kind)
    form, unchecked = read_form(html, form_id)
    if status != 200 or "csrfmiddlewaretoken" not in form:
        raise RuntimeError(f"GET {path}: HTTP {status} without form {form_id}")
    return form, unchecked


def login(port, username):
    session = {"port": port, "cookies": {}, "user": username, "language": "zh-hant"}
    form, _ = get_form(session, "/admin/login/?next=/admin/", "login-form", "login")
    form.update(username=[username], password=[f"pw-{username}-bench"])
    if request(session, "POST", "/admin/login/?next=/admin/", form, "login")[0] != 302:
        raise RuntimeError(f"{username} could not log in")
    return session


def post_write(session, path, form, kind, write):
    """POST a form and log the write it carries with its outcome; returns (status, html)."""
    status, headers, html = request(session, "POST", path, form, kind)
    error = re.search(r'class="errorlist[^"]*"[^>]*>\s*<li>([^<]*)', html)
    if status == 302:
        outcome = "accepted"
    elif status == 409 and "Edit conflict" in html:
        outcome = "conflict (409)"
    elif status == 200 and error:
        outcome = "form error (200): " + re.sub(r"\d+", "N", error.group(1))[:80]
    else:
        outcome = "unexpected"
    write.update(kind=kind, user=session["user"], status=status, outcome=outcome,
                 location=headers.get("Location") if headers is not None else None)
    with LOCK:
        WRITES.append(write)
    return status, html


def open_claim(session, claim):
    form, _ = get_form(session, f"/admin/claims/claim/{claim['pk']}/change/", "claim_form", "claim form GET")
    return {**form, "_save": ["Save"], "change_reason": [f"Load test by {session['user']}."]}


def prepare_edit(form, claim, field, user):
    """Change `field` in an open claim form to a value no other edit writes; returns (form, write to log)."""
    number = next(NUMBERS)
    if field == "due_on":
        stored = datetime.date(2027, 1, 1) + datetime.timedelta(days=number)
        shown = stored.strftime("%Y/%m/%d")  # as the zh-hant date widget shows it
    else:
        shown = stored = f"(load {user} #{number}) " + (re.sub(r"^\(load \w+ #\d+\) ", "", form[field][0]) or "Text.")
    write = {"claim": claim["pk"], "field": field, "value": stored, "base": int(form["base_version"][0])}
    return {**form, field: [shown]}, write


def submit_claim(session, claim, form, kind, write, again=False):
    path = f"/admin/claims/claim/{claim['pk']}/change/"
    status, html = post_write(session, path, form, kind, write)
    if status == 409 and again and random.random() < 0.5:
        # The conflict page keeps the input and carries the version now stored: saving it again keeps mine.
        form, _ = read_form(html, "claim_form")
        resave = {**write, "base": int(form["base_version"][0]), "again": True}
        post_write(session, path, {**form, "_save": ["Save"]}, kind, resave)
    return status


def add_row(form, prefix, values):
    """Add a row to an inline formset as the admin's JavaScript does: copy the empty form and number it."""
    row = int(form[f"{prefix}-TOTAL_FORMS"][0])
    empty = {name: value for name, value in form.items() if f"{prefix}-__prefix__-" in name}
    form.update({name.replace("__prefix__", str(row)): list(value) for name, value in empty.items()})
    form.update({f"{prefix}-{row}-{name}": [value] for name, value in values.items()})
    form[f"{prefix}-TOTAL_FORMS"] = [str(row + 1)]


def update_values(claim, user, what="update"):
    effective = VISIT + datetime.timedelta(days=random.randint(0, (datetime.date.today() - VISIT).days))
    stage = str(random.choice(claim["stages"])) if claim["stages"] and random.random() < 0.5 else ""
    rationale = f"Load test {what} {next(NUMBERS)} by {user} (lc{claim['pk']}x)."  # lc..x: what a search finds
    status = random.choice(STATUSES[claim["scale"]])
    return {"status": status, "stage": stage, "effective_on": effective.strftime("%Y/%m/%d"), "rationale": rationale}


def edit_claim(session, claim, think):
    field = random.choices(EDITABLE, weights=[2, 1, 1])[0]
    form, write = prepare_edit(open_claim(session, claim), claim, field, session["user"])
    time.sleep(think)
    submit_claim(session, claim, form, "edit POST", write, again=True)


def record_update(session, claim, think):
    form, values = open_claim(session, claim), update_values(claim, session["user"])
    add_row(form, "updates", values)
    time.sleep(think)
    submit_claim(session, claim, form, "update POST", {"claim": claim["pk"], "value": values["rationale"]})


def add_evidence(session, claim, think):
    form, number = open_claim(session, claim), next(NUMBERS)
    title = f"Load evidence {number} by {session['user']}"
    bearing = random.choice(["supports", "contradicts", "context"])
    row = {"url": f"https://example.org/load/{number}", "title": title, "bearing": bearing, "excerpt": "A passage."}
    add_row(form, "evidence", row)
    time.sleep(think)
    submit_claim(session, claim, form, "evidence POST", {"claim": claim["pk"], "value": title})


def correct_update(session, claim, think):
    """Correct an update of the claim recorded in this run, found as the form's autocomplete box finds it."""
    query = urlencode(
        {"app_label": "claims", "model_name": "update", "field_name": "corrects", "term": f"lc{claim['pk']}x"}
    )
    status, _, text = request(session, "GET", f"/admin/autocomplete/?{query}", kind="autocomplete GET")
    found = json.loads(text)["results"] if status == 200 else []
    if not found:
        return record_update(session, claim, think)  # something to correct next time
    form, _ = get_form(session, "/admin/claims/update/add/", "update_form", "update add GET")
    values, target = update_values(claim, session["user"], "correction"), int(random.choice(found)["id"])
    form.update({name: [value] for name, value in values.items()})
    form.update(claim=[str(claim["pk"])], corrects=[str(target)], _save=["Save"])
    time.sleep(think)
    write = {"claim": claim["pk"], "value": values["rationale"], "corrects": target}
    post_write(session, "/admin/claims/update/add/", form, "correction POST", write)


def complete_reviews(session, claim, think):
    """Tick one to three reviews in the queue (own or everyone's) and run "Mark reviewed, unchanged"."""
    path = "/admin/analysts/assignment/" + random.choice(["", "?queue=open"])
    form, unchecked = get_form(session, path, "changelist-form", "review queue GET")
    rows = unchecked.get("_selected_action", [])
    if rows:
        picked = random.sample(rows, min(len(rows), random.randint(1, 3)))
        form.update(action=["complete_unchanged"], _selected_action=picked, index=["0"])
        time.sleep(think)
        status, _ = post_write(session, path, form, "review POST", write := {"value": picked, "marked": None})
        if status == 302:  # the admin's message, on the page the action redirects to, says how many it marked
            location = urlsplit(write["location"])
            page = request(session, "GET", location.path + "?" + location.query, kind="review queue GET")[2]
            write["marked"] = int(found.group(1)) if (found := re.search(r"Marked (\d+) reviews", page)) else None


def analyst_loop(port, username, claims, hot, stop):
    actions = [edit_claim, record_update, correct_update, add_evidence, complete_reviews]
    try:
        session = login(port, username)
    except Exception as error:
        ERRORS.append(f"{username}: {error!r}")
        return
    while not stop.is_set():
        claim = claims[random.choice(hot)] if random.random() < 0.75 else random.choice(list(claims.values()))
        action = random.choices(actions, weights=[40, 20, 10, 15, 15])[0]
        try:
            action(session, claim, think=random.uniform(0.2, 1.5))  # the time the form stays open
        except Exception as error:
            with LOCK:
                ERRORS.append(f"{username} {action.__name__} C{claim['number']}: {error!r}")


def reader_loop(port, paths, stop):
    session, etags = {"port": port, "cookies": {}}, {}
    while not stop.is_set():
        kind, path = random.choice(paths)
        headers = {"If-None-Match": etags[path]} if path in etags and random.random() < 0.3 else {}
        status, answer, _ = request(session, "GET", path, kind=kind, headers=headers)
        if status == 200 and answer.get("ETag"):
            etags[path] = answer["ETag"]


def public_paths(claims, hot):
    source = next(iter(claims.values()))["source"]
    paths = [("read home", path) for path in ("/", "/en/", "/zh-hant/")]
    paths += [("read list", f"/en/claims/{query}") for query in ("", "?page=2", "?kind=prediction", "?q=Takaichi")]
    paths += [("read essay", f"/{language}/sources/{source}/") for language in ("en", "zh-hant")]
    paths += [("read claim", f"/en/sources/{source}/C{claim['number']}/") for claim in claims.values()]
    paths += [("read claim", f"/zh-hant/sources/{source}/C{claims[pk]['number']}/") for pk in hot] * 10
    pages = ("scorecard/", "methodology/", "feeds/updates/", "data/claims.json", "reviews/", "reviews/2026-11/")
    return paths + [("read other", f"/en/{page}") for page in pages] + [("read static", "/static/claims/site.css")]


def at_once(barrier, call, *args):
    barrier.wait()
    return call(*args)


def run_races(port, rounds, users, claims):
    """The two races, `rounds` times each, each round on the next claim; returns {race: Counter of endings}."""
    from claims.models import Claim, Update

    mei, ken = login(port, users[0]), login(port, users[1])
    endings, order = defaultdict(Counter), sorted(claims)
    for number, race in enumerate(["a", "b same field", "b different fields"] * rounds):
        claim = claims[order[number % len(order)]]
        first, second = open_claim(mei, claim), open_claim(ken, claim)  # both open the same version
        first, mine = prepare_edit(first, claim, "text_en", mei["user"])
        if race == "a":
            values = update_values(claim, ken["user"])
            add_row(second, "updates", values)
            theirs = {"claim": claim["pk"], "value": values["rationale"]}
        else:
            field = "text_en" if race == "b same field" else random.choice(EDITABLE[1:])
            second, theirs = prepare_edit(second, claim, field, ken["user"])
        barrier, kind = threading.Barrier(2), "update POST" if race == "a" else "edit POST"
        with ThreadPoolExecutor(2) as pool:
            saves = [pool.submit(at_once, barrier, submit_claim, mei, claim, first, "edit POST", mine),
                     pool.submit(at_once, barrier, submit_claim, ken, claim, second, kind, theirs)]
        codes, stored = [save.result() for save in saves], Claim.objects.get(pk=claim["pk"])
        if race == "a":
            kept = stored.text_en == mine["value"] and Update.objects.filter(rationale=theirs["value"]).exists()
            endings[race]["both saved" if codes == [302, 302] and kept else f"WRONG {codes}, both kept: {kept}"] += 1
        elif race == "b same field":
            winner, loser = (mine, theirs) if codes == [302, 409] else (theirs, mine)
            kept = stored.text_en == winner["value"] and not stored.history.filter(text_en=loser["value"]).exists()
            ok = sorted(codes) == [302, 409] and kept
            endings[race]["one saved, the other 409" if ok else f"WRONG {codes}, only the saved one kept: {kept}"] += 1
        else:
            kept = stored.text_en == mine["value"] and getattr(stored, theirs["field"]) == theirs["value"]
            ok = codes == [302, 302] and kept
            endings[race]["both saved, merged" if ok else f"WRONG {codes}, both kept: {kept}"] += 1
    return endings


def reconcile(users):
    """Check the database against the log of writes: ([(ok, description)], {figure: count})."""
    from analysts.models import Assignment
    from claims.models import Claim, Evidence, Update

    accepted, refused = defaultdict(list), Counter()
    for write in WRITES:
        if write["outcome"] == "accepted":
            accepted[write["kind"]].append(write)
        else:
            unexpected = write["outcome"] == "unexpected"
            refused[f"{write['kind']} HTTP {write['status']}" if unexpected else write["outcome"]] += 1
    failed = sum(1 for _, status, _ in STATS if status >= 500 or status == 0)
    edits, evidence = accepted["edit POST"], accepted["evidence POST"]
    updates = accepted["update POST"] + accepted["correction POST"]
    edit_rows = sum(
        Claim.history.filter(id=w["claim"], history_user__username=w["user"], **{w["field"]: w["value"]}).exists()
        for w in edits
    )
    update_rows = sum(Update.objects.filter(claim_id=w["claim"], rationale=w["value"], recorded_by__username=w["user"],
                                            corrects_id=w.get("corrects")).exists() for w in updates)
    stored_updates = Update.objects.filter(recorded_by__username__in=users).count()
    evidence_rows = sum(Evidence.history.filter(claim_id=w["claim"], title=w["value"], history_user__username=w["user"],
                                                history_type="+").exists() for w in evidence)
    stored_evidence = Evidence.objects.filter(title__startswith="Load evidence").count()
    marked = [w["marked"] for w in accepted["review POST"]]
    # Counted in the history: a dependency alert may open a completed review again, and rightly so.
    completions = Assignment.history.filter(history_change_reason="Reviewed, unchanged")
    done = completions.filter(history_user__username__in=users).count()
    astray = []
    for claim in Claim.objects.prefetch_related("updates__stage"):
        timeline = claim.timeline(list(claim.updates.all()))
        status, stage = (timeline[-1].status_after, timeline[-1].stage_after) if timeline else ("not_rated", None)
        if (claim.status, claim.stage_id) != (status, getattr(stage, "pk", None)):
            astray.append(f"{claim.label} is {claim.status}/{claim.stage}, its timeline says {status}/{stage}")
    lost, merged = lost_edits(edits)
    checks = [
        (failed == 0, f"5xx answers and failed connections: {failed}"),
        (not any("HTTP" in reason for reason in refused),
         f"refused writes, each a 409 page or a 200 form with an error: {sum(refused.values())} {dict(refused)}"),
        (edit_rows == len(edits),
         f"accepted claim edits with their history row (value, analyst): {edit_rows}/{len(edits)}, {merged} of them "
         + "saved over a newer version (merged)"),
        (update_rows == len(updates) == stored_updates,
         f"accepted updates and corrections stored by their analyst: {update_rows}/{len(updates)}, "
         + f"{stored_updates} in all"),
        (evidence_rows == len(evidence) == stored_evidence,
         f"accepted evidence stored with its history row: {evidence_rows}/{len(evidence)}, {stored_evidence} in all"),
        (None not in marked and sum(marked) == done,
         f"reviews marked unchanged, as the admin said / as stored: {sum(filter(None, marked))}/{done}"),
        (not astray, f"claims whose status or stage differs from their timeline: {len(astray)} {astray[:5]}"),
        (not lost, f"lost edits: {len(lost)} {lost[:5]}"),
    ]
    return checks, {"differ": len(astray), "lost": len(lost), "failed": failed}


def lost_edits(edits):
    """Walk each edited claim's history: every change of an edited field must be an accepted edit, seen once, made
    from a form opened at a version that already had the field's previous value. Returns (lost, merged)."""
    from claims.models import Claim

    by_value, lost, merged = {(w["claim"], w["field"], w["value"]): w for w in edits}, [], 0
    for pk in sorted({w["claim"] for w in edits}):
        rows, seen = list(Claim.history.filter(id=pk).order_by("history_id")), set()
        current = {field: (getattr(rows[0], field), rows[0].version) for field in EDITABLE}
        for row in rows[1:]:
            values = {field: getattr(row, field) for field in EDITABLE}
            new = {field: (pk, field, value) for field, value in values.items() if value != current[field][0]}
            author = next((by_value[key] for key in new.values() if key in by_value and key not in seen), None)
            merged += author is not None and row.version > author["base"] + 1
            who = f"{row.history_user}'s save"
            if author is not None:
                page = " of the 409 page" if author.get("again") else ""
                who = f"{author['user']}'s save{page} from v{author['base']} (editing {author['field']})"
            for field, key in new.items():
                (before, since), write = current[field], by_value.get(key)
                if write is None or key in seen:
                    what = "put back the older" if key in seen else "wrote the unasked"
                    where = f"C{row.number} v{row.version} {field}"
                    lost.append(f"{where}: {who} {what} {key[2]!r} over {before!r} of v{since}")
                elif write["base"] < since:
                    lost.append(f"C{row.number} v{row.version} {field}: {who} replaced {before!r} of v{since} unseen")
                seen.add(key)
                current[field] = (key[2], row.version)
    return lost, merged


def report(seconds, checks):
    print(f"\nRequests: {len(STATS)} in {seconds:.0f} s ({len(STATS) / seconds:.0f}/s)")
    codes = Counter(status for _, status, _ in STATS)
    print("Status codes: " + ", ".join(f"{code or 'no answer'}: {count}" for code, count in sorted(codes.items())))
    print(f"\n{'latency (ms)':<20}{'count':>7}{'p50':>7}{'p95':>7}{'p99':>7}{'max':>7}")
    for kind in sorted({kind for kind, _, _ in STATS}):
        times = sorted(took * 1000 for other, _, took in STATS if other == kind)
        shares = [times[int(share * (len(times) - 1))] for share in (0.5, 0.95, 0.99, 1)]
        print(f"{kind:<20}{len(times):>7}" + "".join(f"{value:>7.0f}" for value in shares))
    print("\nWrites:")
    for kind in sorted({write["kind"] for write in WRITES}):
        outcomes = Counter(write["outcome"] for write in WRITES if write["kind"] == kind)
        print(f"  {kind:<17}" + "; ".join(f"{outcome} {count}" for outcome, count in outcomes.most_common()))
    checks.append((not ERRORS, f"analyst steps that failed: {len(ERRORS)} {ERRORS[:5]}"))
    print("\nReconciliation:")
    for ok, text in checks:
        print(f"  {'ok  ' if ok else 'FAIL'} {text}")
    return all(ok for ok, _ in checks)


def manage(*args):
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout.strip()


def prepare(analysts):
    """A fresh database with the seed essay, the analysts and an open review cycle; returns (usernames, claims)."""
    import django
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DATABASE}")
    manage("migrate", "--no-input")
    print(manage("seed"))
    django.setup()
    from django.contrib.auth.models import Group

    from analysts.models import Analyst
    from claims.models import Claim

    users = [f"load{number}" for number in range(1, analysts + 1)]
    for username in users:
        analyst = Analyst.objects.create_user(
            username, password=f"pw-{username}-bench", is_staff=True, is_superuser=True, display_name_en=username
        )
        analyst.groups.add(Group.objects.get(name="editor"))
    print(manage("review_claims", "--open", "2026-11"))
    return users, {
        claim.pk: {"pk": claim.pk, "number": claim.number, "scale": claim.scale.value, "source": claim.source.slug,
                   "stages": [stage.pk for stage in claim.track.stages.all()] if claim.track else []}
        for claim in Claim.objects.select_related("source", "track")
    }


@contextlib.contextmanager
def gunicorn(workers):
    """gunicorn serving config.wsgi on a free port of 127.0.0.1, stopped whatever happens: yields (port, log path)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tempfile.NamedTemporaryFile("w", prefix="claims-load-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    command = [ROOT / ".venv/bin/gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "config.wsgi"]
    server = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        while server.poll() is None and request({"port": port, "cookies": {}}, "GET", "/en/")[0] != 200:
            time.sleep(0.2)
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn did not start; see {log.name}")
        print(f"gunicorn: {workers} workers on 127.0.0.1:{port}, log in {log.name}")
        yield port, log.name
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60, help="how long the load runs (default 60)")
    parser.add_argument("--analysts", type=int, default=4, help="analyst sessions at once (default 4; races use 2)")
    parser.add_argument("--readers", type=int, default=4, help="public readers at once (default 4)")
    parser.add_argument("--hot-claims", type=int, default=3, help="claims that get most writes, to collide (default 3)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3)")
    parser.add_argument("--races", type=int, metavar="N", help="run the two edit races N times each, not the load")
    parser.add_argument("--seed", type=int, help="seed of the random choices, to repeat a run")
    args = parser.parse_args()
    random.seed(args.seed)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that gunicorn is stopped on a kill too
    os.environ.update(DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DATABASE}", DJANGO_DEBUG="true",
                      DJANGO_SETTINGS_MODULE="config.settings")
    sys.path.insert(0, str(ROOT))
    users, claims = prepare(max(args.analysts, 2))
    hot = sorted(claims, key=lambda pk: (not claims[pk]["stages"], claims[pk]["number"]))[: args.hot_claims]
    with gunicorn(args.workers) as (port, log):
        STATS.clear()  # not the start-up probes
        started = time.monotonic()
        if args.races:
            endings = run_races(port, args.races, users, claims)
        else:
            print(f"load: {args.seconds:.0f} s, {args.readers} readers, {args.analysts} analysts, hot claims "
                  + ", ".join(f"C{claims[pk]['number']}" for pk in hot))
            stop, paths = threading.Event(), public_paths(claims, hot)
            with ThreadPoolExecutor(args.readers + args.analysts) as pool:
                try:
                    for _ in range(args.readers):
                        pool.submit(reader_loop, port, paths, stop)
                    for user in users[: args.analysts]:
                        pool.submit(analyst_loop, port, user, claims, hot, stop)
                    time.sleep(args.seconds)
                finally:
                    stop.set()
        elapsed = time.monotonic() - started
    checks, figures = reconcile(users)
    if args.races:
        print(f"\nRaces, {args.races} rounds each: two analysts open one claim form, then save at the same moment")
        for race, counts in endings.items():
            print(f"  ({race}): " + ", ".join(f"{ending} {count}" for ending, count in counts.most_common()))
            ok = not any(ending.startswith("WRONG") for ending in counts)
            checks.append((ok, f"race ({race}) ended as designed every time"))
        print("  claims whose status/stage differ from their timeline: {differ}; lost edits: {lost}; "
              "5xx: {failed}".format(**figures))
    ok = report(elapsed, checks)
    if figures["failed"]:
        print(f"\nFrom gunicorn's log ({log}):\n" + Path(log).read_text()[-8000:])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
