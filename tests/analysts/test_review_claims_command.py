"""`manage.py review_claims`: open a cycle and assign due claims, remind analysts, close the cycle."""

import datetime
import io
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, OperationalError, connection, transaction

import analysts.models
from analysts.models import Analyst, Assignment, ReviewCycle
from claims.models import Claim, Topic, stamp

pytestmark = pytest.mark.django_db

QUOTE = "高市將有更大空間推動修憲議程"


def run(*args, **options):
    """Run the command; return what it printed on stdout (the progress on stderr is dropped)."""
    out = io.StringIO()
    call_command("review_claims", *args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


@pytest.fixture
def cycle(db):
    return ReviewCycle.objects.create(
        label="2026-11", starts_on=datetime.date(2026, 11, 1), ends_on=datetime.date(2026, 11, 30)
    )


# --open


def test_open_assigns_every_published_claim_due_by_the_end_of_the_period(analyst, make_claim):
    never_reviewed = make_claim(QUOTE)
    due_earlier = make_claim(QUOTE, next_review_on=datetime.date(2026, 10, 1))
    due_last_day = make_claim(QUOTE, next_review_on=datetime.date(2026, 11, 30))
    make_claim(QUOTE, next_review_on=datetime.date(2026, 12, 1))
    make_claim(QUOTE, state=Claim.State.DRAFT)
    make_claim(QUOTE, state=Claim.State.WITHDRAWN, withdrawal_reason="Misread the essay.")

    run(open="2026-11")

    cycle = ReviewCycle.objects.get()
    assert (cycle.starts_on, cycle.ends_on) == (datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
    assert cycle.state == ReviewCycle.State.OPEN
    assigned = {assignment.claim_id for assignment in cycle.assignments.all()}
    assert assigned == {never_reviewed.pk, due_earlier.pk, due_last_day.pk}
    assert {assignment.analyst for assignment in cycle.assignments.all()} == {analyst}


def test_open_prints_one_summary_line(analyst, make_claim):
    make_claim(QUOTE)
    make_claim(QUOTE)
    assert run(open="2026-11").splitlines() == ["review_claims: opened 2026-11: 2 claims assigned to 1 analysts."]


def test_open_run_again_assigns_nothing_and_says_zero(analyst, make_claim):
    make_claim(QUOTE)
    run(open="2026-11")
    assert run(open="2026-11").splitlines() == ["review_claims: opened 2026-11: 0 claims assigned to 0 analysts."]
    assert Assignment.objects.count() == 1
    assert ReviewCycle.objects.count() == 1


def test_open_run_again_assigns_a_claim_that_came_due_since(analyst, make_claim):
    make_claim(QUOTE)
    run(open="2026-11")
    late = make_claim(QUOTE)
    run(open="2026-11")
    assert Assignment.objects.filter(claim=late).count() == 1
    assert Assignment.objects.count() == 2


def test_open_a_quarter_spans_its_three_months(analyst, make_claim):
    december = make_claim(QUOTE, next_review_on=datetime.date(2026, 12, 31))
    make_claim(QUOTE, next_review_on=datetime.date(2027, 1, 1))
    run(open="2026-Q4")
    cycle = ReviewCycle.objects.get(label="2026-Q4")
    assert (cycle.starts_on, cycle.ends_on) == (datetime.date(2026, 10, 1), datetime.date(2026, 12, 31))
    assert [assignment.claim for assignment in cycle.assignments.all()] == [december]


@pytest.mark.parametrize("period", ["2026-13", "November", "2026-Q5", "2026-1"])
def test_open_a_bad_period_fails_naming_the_period_and_opens_nothing(analyst, make_claim, period):
    make_claim(QUOTE)
    with pytest.raises(CommandError, match=f"Period '{period}' is not a month"):
        run(open=period)
    assert not ReviewCycle.objects.exists()
    assert not Assignment.objects.exists()
    assert not Analyst.objects.filter(username="review-bot").exists()


def test_open_a_closed_cycle_fails(analyst, make_claim):
    make_claim(QUOTE)
    run(open="2026-11")
    run(close="2026-11")
    make_claim(QUOTE)
    with pytest.raises(CommandError, match="Review cycle 2026-11 is closed; it cannot be opened again."):
        run(open="2026-11")
    assert Assignment.objects.count() == 1


def test_command_without_an_action_says_what_to_do(db):
    with pytest.raises(CommandError, match="--open PERIOD, --remind or --close PERIOD"):
        run()


def test_open_dry_run_says_what_it_would_do_and_writes_no_cycle_assignment_or_history(analyst, make_claim):
    claims = [make_claim(QUOTE), make_claim(QUOTE)]
    claim_history = Claim.history.count()

    output = run(open="2026-11", dry_run=True)

    assert output.splitlines() == [
        "Dry run, nothing changed: review_claims: opened 2026-11: 2 claims assigned to 1 analysts."
    ]
    assert not ReviewCycle.objects.exists()
    assert not Assignment.objects.exists()
    assert not ReviewCycle.history.exists()
    assert not Assignment.history.exists()
    assert Claim.history.count() == claim_history
    for claim in claims:
        claim.refresh_from_db()
        assert claim.next_review_on is None


def test_open_dry_run_does_not_create_the_command_account(analyst, make_claim):
    make_claim(QUOTE)
    run(open="2026-11", dry_run=True)
    assert not Analyst.objects.filter(username="review-bot").exists()
    assert not Analyst.history.filter(username="review-bot").exists()


# Who gets which review


def test_open_gives_a_claim_to_the_reviewer_covering_its_topic(make_user, make_claim):
    defence = Topic.objects.create(slug="defence", name="國防", name_en="Defence")
    covering = make_user("covers-defence", "analyst")
    covering.topics.add(defence)
    other = make_user("covers-nothing", "analyst")
    on_topic = [make_claim(QUOTE) for _ in range(3)]
    for claim in on_topic:
        claim.topics.add(defence)
    off_topic = make_claim(QUOTE)

    run(open="2026-11")

    # The topic wins over the load: all three go to the one analyst who covers it.
    assert {Assignment.objects.get(claim=claim).analyst for claim in on_topic} == {covering}
    # A claim nobody covers goes to the least loaded reviewer.
    assert Assignment.objects.get(claim=off_topic).analyst == other


def test_open_balances_the_load_among_equal_reviewers(make_user, make_claim):
    first, second = make_user("first", "analyst"), make_user("second", "analyst")
    for _ in range(4):
        make_claim(QUOTE)
    run(open="2026-11")
    assert Assignment.objects.filter(analyst=first).count() == 2
    assert Assignment.objects.filter(analyst=second).count() == 2


def test_open_counts_reviews_already_open_in_the_cycle_when_balancing(make_user, make_claim):
    first, second = make_user("first", "analyst"), make_user("second", "analyst")
    make_claim(QUOTE)
    run(open="2026-11")
    assert Assignment.objects.get().analyst == first
    make_claim(QUOTE)
    make_claim(QUOTE)
    run(open="2026-11")
    # first already holds one, so of the next two second takes the first and then they alternate.
    assert Assignment.objects.filter(analyst=first).count() == 1 + 1
    assert Assignment.objects.filter(analyst=second).count() == 1


def test_only_active_analysts_editors_and_superusers_are_reviewers(make_user, make_claim):
    reviewers = {
        make_user("an-analyst", "analyst"),
        make_user("an-editor", "editor"),
        make_user("a-superuser", is_superuser=True),
    }
    make_user("gone-analyst", "analyst", is_active=False)
    make_user("gone-superuser", is_superuser=True, is_active=False)
    make_user("no-role")
    for _ in range(9):
        make_claim(QUOTE)

    run(open="2026-11")

    assert set(Analyst.objects.reviewers()) == reviewers
    assert {assignment.analyst for assignment in Assignment.objects.all()} == reviewers
    assert Assignment.objects.count() == 9


def test_open_without_any_reviewer_assigns_nothing(make_user, make_claim):
    make_user("no-role")
    make_claim(QUOTE)
    assert run(open="2026-11").splitlines() == ["review_claims: opened 2026-11: 0 claims assigned to 0 analysts."]
    assert not Assignment.objects.exists()


def test_history_of_the_cycle_and_its_assignments_names_the_review_bot_and_why(analyst, make_claim):
    make_claim(QUOTE)
    run(open="2026-11")
    bot = Analyst.objects.get(username="review-bot")
    assert not bot.is_active
    assert not bot.has_usable_password()
    cycle_row = ReviewCycle.history.get()
    assert (cycle_row.history_user, cycle_row.history_change_reason) == (bot, "Opened review cycle 2026-11")
    row = Assignment.objects.get().history.get()
    assert row.history_type == "+"
    assert row.history_user == bot
    assert row.history_change_reason == "Assigned when review cycle 2026-11 opened"


def test_the_review_bot_is_never_a_reviewer(analyst, make_claim):
    make_claim(QUOTE)
    run(open="2026-11")
    make_claim(QUOTE)
    run(open="2026-11")
    assert set(Assignment.objects.values_list("analyst__username", flat=True)) == {"analyst"}


# --remind


@pytest.fixture
def queues(cycle, make_user, make_claim):
    """Three analysts with open reviews; the third has no email address."""
    mei = make_user("mei", "analyst", email="mei@example.org")
    ken = make_user("ken", "analyst", email="ken@example.org")
    nobody = make_user("nomail", "analyst")
    due = {
        "upcoming": (mei, datetime.date(2026, 11, 25)),
        "never": (mei, None),
        "late": (mei, datetime.date(2026, 11, 10)),
        "ken": (ken, datetime.date(2026, 11, 28)),
        "nomail": (nobody, None),
    }
    claims = {}
    for name, (analyst, next_review_on) in due.items():
        claims[name] = make_claim(QUOTE, next_review_on=next_review_on, text_en=f"Claim {name}.")
        Assignment.objects.create(cycle=cycle, claim=claims[name], analyst=analyst)
    done = make_claim(QUOTE, text_en="Claim done.")
    Assignment.objects.create(cycle=cycle, claim=done, analyst=mei, state=Assignment.State.DONE, outcome="unchanged")
    return claims


def test_remind_emails_each_analyst_with_an_address_their_open_reviews(queues, mailoutbox):
    output = run("--remind", "--today=2026-11-20")
    assert output.splitlines() == ["review_claims: reminded 2 analysts (1 without an email address)."]
    assert sorted(message.to[0] for message in mailoutbox) == ["ken@example.org", "mei@example.org"]
    assert len(mailoutbox) == 2


def test_remind_lists_overdue_reviews_first_and_marks_them(queues, mailoutbox):
    run("--remind", "--today=2026-11-20")
    (message,) = [message for message in mailoutbox if message.to == ["mei@example.org"]]
    assert message.subject == "3 claims to review (2 overdue)"
    body = message.body
    never, late, upcoming = (queues[name].label for name in ("never", "late", "upcoming"))
    entries = [line for line in body.splitlines() if line.startswith(("C", "[OVERDUE]"))]
    assert [entry.split(" (")[0] for entry in entries] == [f"[OVERDUE] {never}", f"[OVERDUE] {late}", upcoming]
    assert entries[0] == f"[OVERDUE] {never} (2026-11, due now)"
    assert body.index("Claim never.") < body.index("Claim late.") < body.index("Claim upcoming.")
    assert "Claim done." not in body
    assert "Claim ken." not in body


def test_remind_writes_due_dates_as_iso_dates(queues, mailoutbox):
    run("--remind", "--today=2026-11-20")
    (message,) = [message for message in mailoutbox if message.to == ["mei@example.org"]]
    assert f"[OVERDUE] {queues['late'].label} (2026-11, due 2026-11-10)" in message.body


def test_remind_counts_a_review_due_today_as_not_yet_overdue(queues, mailoutbox):
    def subject_for_mei(today):
        mailoutbox.clear()
        run("--remind", f"--today={today}")
        return next(message.subject for message in mailoutbox if message.to == ["mei@example.org"])

    assert subject_for_mei("2026-11-25") == "3 claims to review (2 overdue)"
    assert subject_for_mei("2026-11-26") == "3 claims to review (3 overdue)"


def test_remind_skips_reviews_of_a_closed_cycle(queues, mailoutbox):
    ReviewCycle.objects.get().close()
    assert run("--remind", "--today=2026-11-20").splitlines() == ["review_claims: reminded 0 analysts."]
    assert mailoutbox == []


def test_remind_dry_run_sends_nothing(queues, mailoutbox):
    output = run("--remind", "--dry-run", "--today=2026-11-20")
    assert mailoutbox == []
    assert output.splitlines() == [
        "Dry run, nothing changed: review_claims: reminded 0 analysts (1 without an email address)."
    ]


# --close


def test_close_marks_open_reviews_missed_and_closes_the_cycle(analyst, make_claim):
    first, second = make_claim(QUOTE), make_claim(QUOTE)
    run(open="2026-11")
    Assignment.objects.get(claim=first).complete_unchanged(user=analyst)

    output = run(close="2026-11")

    assert output.splitlines() == ["review_claims: closed 2026-11: 1 reviews missed."]
    cycle = ReviewCycle.objects.get()
    assert cycle.state == ReviewCycle.State.CLOSED
    assert cycle.closed is not None
    assert Assignment.objects.get(claim=first).state == Assignment.State.DONE
    missed = Assignment.objects.get(claim=second)
    assert missed.state == Assignment.State.MISSED
    assert missed.history.first().history_change_reason == "Missed: review cycle 2026-11 closed"
    assert missed.history.first().history_user.username == "review-bot"


def test_close_twice_says_it_was_closed_already(analyst, make_claim):
    make_claim(QUOTE)
    run(open="2026-11")
    run(close="2026-11")
    closed = ReviewCycle.objects.get().closed
    assert run(close="2026-11").splitlines() == ["review_claims: 2026-11 was closed already."]
    assert ReviewCycle.objects.get().closed == closed


def test_close_dry_run_changes_nothing(analyst, make_claim):
    make_claim(QUOTE)
    run(open="2026-11")
    output = run(close="2026-11", dry_run=True)
    (line,) = output.splitlines()
    assert line.startswith("Dry run, nothing changed: review_claims: ")
    assert "2026-11" in line and "1 reviews missed" in line
    assert ReviewCycle.objects.get().state == ReviewCycle.State.OPEN
    assert Assignment.objects.get().state == Assignment.State.OPEN


def test_close_an_unknown_period_fails(db):
    with pytest.raises(CommandError, match="There is no review cycle 2026-12 to close."):
        run(close="2026-12")


def test_close_a_bad_period_fails_naming_it(db):
    with pytest.raises(CommandError, match="Period 'Dec' is not a month"):
        run(close="Dec")


# Two runs at once


def test_the_database_refuses_a_second_assignment_of_a_claim_in_a_cycle(analyst, cycle, make_claim):
    claim = make_claim(QUOTE)
    Assignment.objects.create(cycle=cycle, claim=claim, analyst=analyst)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(cycle=cycle, claim=claim, analyst=analyst)
    assert Assignment.objects.count() == 1


def open_in_two_threads(period):
    """Run ReviewCycle.open_period(period) in two threads released at the same moment."""
    start = threading.Barrier(2)
    errors, results = [], []

    def open_cycle():
        try:
            start.wait()
            results.append(ReviewCycle.open_period(period))
        except Exception as error:  # noqa: BLE001 - reported to the test below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=open_cycle) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results, errors


def assert_each_claim_assigned_once(period, claims, results, errors):
    assert len(results) + len(errors) == 2
    if connection.vendor == "postgresql":
        assert errors == []
    else:
        # SQLite has one writer at a time: a run that loses the race is told the database is
        # locked (with the in-memory test database, sometimes both are), and cron runs it again.
        assert all(isinstance(error, OperationalError) and "locked" in str(error) for error in errors), errors
        results = results + [ReviewCycle.open_period(period) for _ in errors]
    counts = {claim.pk: Assignment.objects.filter(claim=claim).count() for claim in claims}
    assert counts == {claim.pk: 1 for claim in claims}
    assert sum(len(assignments) for _, assignments in results) == len(claims)


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_on_an_open_cycle_never_assign_a_claim_twice(analyst, cycle, make_claim):
    claims = [make_claim(QUOTE) for _ in range(12)]

    results, errors = open_in_two_threads("2026-11")

    assert_each_claim_assigned_once("2026-11", claims, results, errors)


@pytest.mark.django_db(transaction=True)
def test_two_first_runs_at_once_never_assign_a_claim_twice(analyst, make_claim, monkeypatch):
    if connection.vendor != "postgresql":
        # SQLite's shared-cache test database refuses the second reader outright instead of
        # letting both runs reach the insert, so the forced interleaving cannot happen there.
        pytest.skip("needs a database with concurrent writers (PostgreSQL)")
    claims = [make_claim(QUOTE) for _ in range(6)]
    # Hold each run between looking for the cycle and creating it, so that both look before either creates.
    both_looked = threading.Barrier(2, timeout=10)

    def stamp_after_both_looked(instance, user, reason):
        if isinstance(instance, ReviewCycle) and reason.startswith("Opened"):
            both_looked.wait()
        stamp(instance, user, reason)

    monkeypatch.setattr(analysts.models, "stamp", stamp_after_both_looked)

    results, errors = open_in_two_threads("2026-11")

    assert_each_claim_assigned_once("2026-11", claims, results, errors)
    assert ReviewCycle.objects.count() == 1
