"""Analysts writing at the same moment, each in a thread with its own database connection.

These run on PostgreSQL, where requests really overlap. On the embedded SQLite
every write transaction takes the database's write lock when it begins, so two
saves cannot overlap there; the same interleavings are tested one step at a time
in test_edit_conflicts.py.
"""

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from analysts.models import Assignment, ReviewCycle
from claims.models import Claim, Update

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="threads overlap only on PostgreSQL"),
]

ROUNDS = 10


def together(*calls):
    """Run `calls` at the same moment, each in its own thread and connection; return their results."""
    start = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            start.wait()
            results[index] = call()
        except Exception as error:  # reported to the test, which fails on it
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a writer never finished: a deadlock?"
    return results


def change_url(claim):
    return reverse("admin:claims_claim_change", args=[claim.pk])


@pytest.fixture
def sessions(make_user):
    clients = []
    for username in ("mei", "ken"):
        client = Client(enforce_csrf_checks=True)
        client.force_login(make_user(username, "editor", is_superuser=True))
        clients.append(client)
    return clients


def assert_status_matches_timeline(claim):
    claim.refresh_from_db()
    timeline = claim.timeline(list(claim.updates.select_related("stage")))
    standing = timeline[-1] if timeline else None
    assert claim.status == (standing.status_after if standing else Claim.Status.NOT_RATED), claim.label
    assert claim.stage == (standing.stage_after if standing else None), claim.label


def test_a_claim_form_saved_while_an_update_is_recorded_keeps_both(sessions, make_claim, admin_form):
    mei, ken = sessions
    for round_number in range(ROUNDS):
        claim = make_claim(text_en=f"Round {round_number}.")
        edit, update = admin_form(mei, change_url(claim)), admin_form(ken, change_url(claim))
        edit.update(text_en=f"Edited in round {round_number}.", change_reason="Wording.")
        update.update({
            "updates-TOTAL_FORMS": "1",
            "updates-0-status": Claim.Status.ACCURATE,
            "updates-0-effective_on": "2026-03-18",
            "updates-0-rationale": "The schedule confirms it.",
            "change_reason": "Rated.",
        })

        responses = together(lambda: mei.post(change_url(claim), edit), lambda: ken.post(change_url(claim), update))

        assert [getattr(response, "status_code", response) for response in responses] == [302, 302]
        assert_status_matches_timeline(claim)
        assert claim.status == Claim.Status.ACCURATE
        assert claim.text_en == f"Edited in round {round_number}."


def test_two_stale_saves_of_one_field_at_once_keep_the_first_and_refuse_the_second(sessions, make_claim, admin_form):
    mei, ken = sessions
    for round_number in range(ROUNDS):
        claim = make_claim()
        forms = [admin_form(client, change_url(claim)) for client in sessions]
        for form, name in zip(forms, ("Mei", "Ken")):
            form.update(text_en=f"{name}'s wording, round {round_number}.", change_reason="Wording.")

        responses = together(*(lambda client=client, form=form: client.post(change_url(claim), form)
                                for client, form in zip(sessions, forms)))

        codes = sorted(getattr(response, "status_code", response) for response in responses)
        assert codes == [302, 409]
        winner = forms[[response.status_code for response in responses].index(302)]
        claim.refresh_from_db()
        assert claim.text_en == winner["text_en"]
        assert claim.history.filter(text_en=winner["text_en"]).count() == 1


def test_eight_corrections_of_one_update_at_once_accept_one_and_tell_the_rest(make_user, make_claim, analyst):
    claim = make_claim()
    wrong = claim.record_update(status=Claim.Status.INACCURATE, rationale="Misread the schedule.", by=analyst)
    clients = []
    for index in range(8):
        client = Client(enforce_csrf_checks=True)
        client.force_login(make_user(f"analyst{index}", "editor", is_superuser=True))
        client.get(reverse("admin:claims_update_add"))  # sets the CSRF cookie
        clients.append(client)

    def correct(client, index):
        return client.post(reverse("admin:claims_update_add"), {
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
            "claim": claim.pk,
            "status": Claim.Status.ACCURATE,
            "effective_on": "2026-03-18",
            "rationale": f"Correction {index}: the schedule confirms it.",
            "corrects": wrong.pk,
            "change_reason": "",
        })

    responses = together(*(lambda client=client, index=index: correct(client, index) for index, client in enumerate(clients)))

    codes = sorted(getattr(response, "status_code", response) for response in responses)
    assert codes == [200] * 7 + [302]
    refused = [response for response in responses if response.status_code == 200]
    assert all("corrected already" in response.content.decode() for response in refused)
    assert Update.objects.filter(corrects=wrong).count() == 1
    assert_status_matches_timeline(claim)


def test_many_updates_of_one_claim_at_once_leave_it_where_its_timeline_ends(make_user, make_claim, track):
    claim = make_claim(kind=Claim.Kind.PREDICTION, track=track)
    stages = list(track.stages.all())
    users = [make_user(f"writer{index}", "analyst") for index in range(6)]

    def record(index):
        return claim.record_update(
            status=(Claim.Status.IN_PROGRESS, Claim.Status.STALLED)[index % 2],
            stage=stages[index % len(stages)],
            rationale=f"Step {index}.",
            by=users[index],
        )

    results = together(*(lambda index=index: record(index) for index in range(6)))

    assert all(isinstance(result, Update) for result in results), results
    assert_status_matches_timeline(claim)
    # Each update bumped the version once and left one history row on the claim.
    assert claim.version == 1 + 6
    assert claim.history.count() == 1 + 6


def test_opening_two_periods_at_once_leaves_no_claim_open_twice(make_user, make_claim):
    make_user("mei", is_superuser=True)  # a reviewer; role groups do not survive a transactional test's flush
    for _ in range(20):
        make_claim()

    results = together(lambda: ReviewCycle.open_period("2026-11"), lambda: ReviewCycle.open_period("2026-12"))

    assert not any(isinstance(result, Exception) for result in results), results
    open_per_claim = {}
    for claim_id in Assignment.objects.open().values_list("claim_id", flat=True):
        open_per_claim[claim_id] = open_per_claim.get(claim_id, 0) + 1
    assert len(open_per_claim) == 20
    assert set(open_per_claim.values()) == {1}


def test_locks_take_only_the_rows_they_change_never_the_shared_source_or_cycle(make_user, make_claim):
    """A lock that joined the essay's one Source row, or the open cycle's row, made every writer queue there."""
    from django.test.utils import CaptureQueriesContext

    from claims.models import ClaimRelation

    mei = make_user("mei", is_superuser=True)
    base, dependent, other = make_claim(), make_claim(), make_claim()
    ClaimRelation.objects.create(from_claim=dependent, to_claim=base, kind=ClaimRelation.Kind.DEPENDS_ON)
    ReviewCycle.open_period("2026-11", user=mei)
    review = Assignment.objects.get(claim=other)

    with CaptureQueriesContext(connection) as queries:
        base.record_update(status=Claim.Status.ACCURATE, rationale="Confirmed.", by=mei)
        review.complete_unchanged(user=mei)
        other.edit({"text_en": "Edited."}, by=mei, reason="Wording.")

    locking = [query["sql"] for query in queries if "FOR UPDATE" in query["sql"]]
    assert locking
    assert all('FOR UPDATE OF "' in sql and sql.count("FOR UPDATE OF") == 1 for sql in locking), locking
    assert not [sql for sql in locking if sql.rstrip().endswith(('OF "claims_source"', 'OF "analysts_reviewcycle"'))]
