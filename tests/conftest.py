"""Personas and tiny builders shared by the whole suite."""

import datetime
import itertools
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Group
from django.test.utils import override_settings
from django.utils import translation

from claims.models import Claim, Evidence, Source, Stage, Track, Update

ESSAY = "高市早苗首相啟程訪美。高市將有更大空間推動修憲議程。日本大幅增加國防支出。高市將有更大空間推動修憲議程。"

_numbers = itertools.count(1)


@pytest.fixture(scope="session", autouse=True)
def fast_password_hasher():
    """Hash test passwords with MD5: the real hasher's work factor costs half a second per user."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="session", autouse=True)
def revision_read_from_the_table():
    """Public pages read the revision from the table: most tests write inside a transaction that never commits,
    whose moves no notice reports. tests/claims/test_revision_listener.py turns the listener on."""
    with override_settings(REVISION_LISTEN=False):
        yield


@pytest.fixture(autouse=True)
def default_language():
    """Start every test in the default language: a request to /en/ leaves English active in the thread."""
    translation.deactivate()
    yield
    translation.deactivate()


def backdate(claim, moment):
    """Pretend the claim and its updates were written at `moment`, a microsecond apart, in their order."""
    for rows in (claim.history.all(), Evidence.history.filter(claim_id=claim.pk)):
        for step, row in enumerate(rows.order_by("history_date", "history_id")):
            rows.model.objects.filter(pk=row.pk).update(history_date=moment + datetime.timedelta(microseconds=step))
    Update.objects.filter(claim=claim).update(recorded=moment)


@pytest.fixture
def analyst(django_user_model):
    return django_user_model.objects.create_user(
        username="analyst", password="pw-analyst-1", display_name="Analyst One", is_staff=True, is_superuser=True
    )


@pytest.fixture
def make_user(django_user_model):
    """make_user("mei", "analyst"): a staff user in the named role groups, password pw-mei-1."""

    def make(username, *groups, **fields):
        user = django_user_model.objects.create_user(
            username=username, password=f"pw-{username}-1", is_staff=True, **fields
        )
        user.groups.set(Group.objects.filter(name__in=groups))
        return user

    return make


@pytest.fixture
def make_source(db):
    def make(text=ESSAY, **fields):
        slug = fields.pop("slug", f"source-{next(_numbers)}")
        return Source.objects.create(slug=slug, text=text, **{"title": "標題", "title_en": "A title", "author": "作者", **fields})

    return make


@pytest.fixture
def source(make_source):
    return make_source(slug="essay")


@pytest.fixture
def make_claim(source):
    """make_claim("高市將有", kind=...) anchors the claim on the first occurrence of the quote."""

    def make(quote="高市早苗首相啟程訪美", *, kind=Claim.Kind.ASSERTION, occurrence=1, on=None, **fields):
        on = on or source
        claim = Claim(
            source=on,
            number=fields.pop("number", Claim.objects.filter(source=on).count() + 1),
            kind=kind,
            text_en=fields.pop("text_en", "An English proposition."),
            text_zh_hant=fields.pop("text_zh_hant", "一個中文命題。"),
            state=fields.pop("state", Claim.State.PUBLISHED),
            **fields,
        )
        if kind == Claim.Kind.PREDICTION and not claim.resolution_criteria:
            claim.resolution_criteria = "The Diet initiates an amendment by the end of 2027."
        claim.anchor_to(quote, occurrence)
        claim.save()
        return claim

    return make


@pytest.fixture
def track(db):
    track = Track.objects.create(slug="constitutional-revision", name="修憲", name_en="Constitutional revision")
    for position, (slug, name_en) in enumerate(
        [("no-formal-step", "No formal step"), ("party-draft", "Party draft"), ("deliberation", "Deliberation")],
        start=1,
    ):
        Stage.objects.create(track=track, position=position, slug=slug, name=name_en, name_en=name_en)
    return track


@pytest.fixture
def record_update():
    def record(claim, *, status="", stage=None, rationale="Because the record shows it.", recorded_by=None, recorded=None, **fields):
        update = claim.record_update(status=status, stage=stage, rationale=rationale, by=recorded_by, **fields)
        if recorded is not None:  # backdate, as if it had been recorded then
            Update.objects.filter(pk=update.pk).update(recorded=recorded)
            update.recorded = recorded
        return update

    return record


class FormReader(HTMLParser):
    """Collects the fields of the admin's change form as a browser would submit them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.data = {}
        self.in_form = False
        self.select = None
        self.option = None
        self.textarea = None

    def add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method", "").lower() == "post" and "_form" in attrs.get("id", ""):
            self.in_form = True
        if not self.in_form or "name" not in attrs and tag in ("input", "select", "textarea"):
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file") or (kind in ("checkbox", "radio") and "checked" not in attrs):
                return
            self.add(attrs["name"], attrs.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select":
            self.select = attrs["name"]
            self.data.setdefault(self.select, [])
        elif tag == "option" and self.select and "selected" in attrs:
            self.add(self.select, attrs.get("value", ""))
        elif tag == "textarea":
            self.textarea = attrs["name"]
            self.add(self.textarea, "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea][-1] += data


def _strip_first_newline(values):
    # Browsers drop the newline that immediately follows <textarea>.
    return [value[1:] if value.startswith("\n") else value for value in values]


def form_in(response):
    """The fields of the admin form in `response`, as a browser would post them back."""
    reader = FormReader()
    reader.feed(response.content.decode())
    data = {name: _strip_first_newline(values) for name, values in reader.data.items()}
    return {name: values if len(values) != 1 else values[0] for name, values in data.items()}


@pytest.fixture
def admin_form():
    """admin_form(client, url) -> the change form's fields, ready to edit and post back."""

    def read(client, url):
        response = client.get(url)
        assert response.status_code == 200, url
        return form_in(response)

    return read


@pytest.fixture
def count_queries(client):
    """count_queries(url) -> how many queries a GET of `url` runs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        return len(queries)

    return count


@pytest.fixture
def populate(make_claim, record_update, track):
    """populate(n): n published claims, each with two updates and one piece of evidence."""
    from claims.models import Evidence

    def fill(n):
        stages = list(track.stages.all())
        claims = []
        for index in range(n):
            kind = Claim.Kind.PREDICTION if index % 2 else Claim.Kind.ASSERTION
            claim = make_claim("高市將有更大空間推動修憲議程", kind=kind, track=track, text_en=f"Claim number {index}.")
            evidence = Evidence.objects.create(claim=claim, url="https://example.org/a", title=f"Evidence {index}")
            first = record_update(claim, stage=stages[0])
            first.evidence.add(evidence)
            status = Claim.Status.IN_PROGRESS if kind == Claim.Kind.PREDICTION else Claim.Status.ACCURATE
            record_update(claim, status=status, stage=stages[1])
            claims.append(claim)
        return claims

    return fill
