"""A source's annotate page in the admin, the claim add form it fills, and adding a source by upload."""

import re
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.models import Claim, Source, text_hash

pytestmark = pytest.mark.django_db

# CRLF line breaks, an astral character (U+2000B, two UTF-16 units in a browser) and an emoji before the words.
UPLOADED = "第一段：𠀋野屋。\r\n\r\n高市將有更大空間推動修憲議程🇯🇵。\r\n高市將有更大空間推動修憲議程。\r\n"


@pytest.fixture(autouse=True)
def english(client):
    """The admin speaks the browser's language; these tests read its English."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def annotate_url(source):
    return reverse("admin:claims_source_annotate", args=[source.pk])


@pytest.fixture
def editor(client, make_user):
    client.force_login(make_user("eve", "editor"))
    return client


class TextReader(HTMLParser):
    """The text of the element with id="annotate-text", as a browser's textContent reads it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth, self.text = 0, ""

    def handle_starttag(self, tag, attrs):
        if self.depth or ("id", "annotate-text") in attrs:
            self.depth += 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.text += data


def text_shown(response):
    reader = TextReader()
    reader.feed(response.content.decode())
    return reader.text


def test_annotate_page_shows_the_text_exactly_with_each_claim_marked_and_linked(editor, source, make_claim):
    claim = make_claim("高市將有更大空間推動修憲議程", occurrence=2)
    response = editor.get(annotate_url(source))
    html = response.content.decode()
    assert response.status_code == 200
    assert text_shown(response) == source.text
    change = reverse("admin:claims_claim_change", args=[claim.pk])
    assert (
        f'<a class="annotate-claim annotate-depth-1" href="{change}" draggable="false"><mark title="C1">高市將有更大空間推動修憲議程</mark></a>'
        in html
    )
    # The second occurrence is marked, not the first.
    assert html.count("<mark") == 1
    assert "國防支出。<a class" in html


def test_annotate_page_writes_a_carriage_return_as_a_reference_so_that_the_browser_keeps_it(editor, make_source):
    source = make_source(text="第一行\r\n第二行 <b>&amp;</b>\r\n")
    response = editor.get(annotate_url(source))
    html = response.content.decode()
    assert "第一行&#13;\n第二行 &lt;b&gt;&amp;amp;&lt;/b&gt;&#13;\n" in html
    assert text_shown(response) == source.text


def test_nested_claims_link_the_words_to_the_innermost_and_name_both(editor, source, make_claim):
    outer = make_claim("高市將有更大空間推動修憲議程")
    inner = make_claim("推動修憲")
    html = editor.get(annotate_url(source)).content.decode()
    inner_link = reverse("admin:claims_claim_change", args=[inner.pk])
    outer_link = reverse("admin:claims_claim_change", args=[outer.pk])
    assert f'href="{inner_link}" draggable="false"><mark title="C2, C1">推動修憲</mark>' in html
    assert f'href="{outer_link}" draggable="false"><mark title="C1">高市將有更大空間</mark>' in html
    assert 'class="annotate-claim annotate-depth-2"' in html


def test_annotate_page_loads_its_script_from_a_file_and_offers_a_plain_link_without_it(editor, source, make_claim):
    make_claim(number=4)
    html = editor.get(annotate_url(source)).content.decode()
    add = reverse("admin:claims_claim_add")
    assert (
        f'<a class="annotate-add" href="{add}?source={source.pk}&amp;number=5">Add a claim to this source</a>' in html
    )
    assert '<script src="/static/claims/annotate.js" defer></script>' in html
    assert f'data-source="{source.pk}" data-number="5" data-add-url="{add}"' in html
    assert "Add a claim for the selected words" in html
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None, "an inline script, which the CSP would block"
    assert re.search(r"\son[a-z]+=", html) is None, "an inline event handler, which the CSP would block"


def test_an_analyst_who_may_add_claims_may_annotate(client, make_user, source):
    client.force_login(make_user("ann", "analyst"))
    response = client.get(annotate_url(source))
    assert response.status_code == 200
    assert "Add a claim to this source" in response.content.decode()


def test_staff_without_the_right_to_change_sources_or_add_claims_is_refused(client, make_user, source):
    client.force_login(make_user("viewer"))
    assert client.get(annotate_url(source)).status_code == 403


def test_a_visitor_is_sent_to_the_login_page(client, source):
    response = client.get(annotate_url(source))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_annotate_page_answers_only_get_and_head(editor, source):
    response = editor.post(annotate_url(source))
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert editor.head(annotate_url(source)).status_code == 200


def test_an_unknown_source_is_not_found(editor):
    assert editor.get(reverse("admin:claims_source_annotate", args=[999999])).status_code == 404


def test_annotate_page_runs_the_same_number_of_queries_however_many_claims(editor, source, make_claim):
    make_claim()
    with CaptureQueriesContext(connection) as few:
        assert editor.get(annotate_url(source)).status_code == 200
    for quote in ("日本大幅增加國防支出", "推動修憲", "高市將有", "首相"):
        make_claim(quote)
    with CaptureQueriesContext(connection) as many:
        assert len(editor.get(annotate_url(source)).context["claims"]) == 5
    assert len(many) == len(few)


def test_the_source_form_and_the_source_list_link_to_the_annotate_page(editor, source):
    change = editor.get(reverse("admin:claims_source_change", args=[source.pk])).content.decode()
    listing = editor.get(reverse("admin:claims_source_changelist")).content.decode()
    assert f'href="{annotate_url(source)}">Annotate the text</a>' in change
    assert f'href="{annotate_url(source)}">Annotate</a>' in listing


def test_claim_add_form_is_filled_from_the_annotate_link(editor, source, admin_form):
    url = (
        reverse("admin:claims_claim_add")
        + f"?source={source.pk}&quote=高市將有更大空間推動修憲議程&occurrence=2&number=7"
    )
    data = admin_form(editor, url)
    assert data["source"] == str(source.pk)
    assert data["quote"] == "高市將有更大空間推動修憲議程"
    assert data["occurrence"] == "2"
    assert data["number"] == "7"


def test_claim_add_form_saved_as_filled_anchors_the_claim_on_the_selected_occurrence(editor, source, admin_form):
    url = (
        reverse("admin:claims_claim_add")
        + f"?source={source.pk}&quote=高市將有更大空間推動修憲議程&occurrence=2&number=7"
    )
    data = admin_form(editor, url)
    data.update(kind=Claim.Kind.ANALYSIS, text_en="Takaichi gains room to push constitutional revision.")
    response = editor.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    claim = Claim.objects.get(source=source, number=7)
    second = source.text.index("高市將有更大空間推動修憲議程", source.text.index("高市將有更大空間推動修憲議程") + 1)
    assert (claim.start, claim.end) == (second, second + len("高市將有更大空間推動修憲議程"))


def test_claim_add_form_for_a_source_suggests_its_next_number(editor, source, make_claim, admin_form):
    make_claim(number=12)
    data = admin_form(editor, reverse("admin:claims_claim_add") + f"?source={source.pk}")
    assert data["source"] == str(source.pk)
    assert data["number"] == "13"


def source_form(editor, admin_form, **fields):
    data = admin_form(editor, reverse("admin:claims_source_add"))
    data.update(slug="second-essay", title="第二篇", title_en="The second essay", author="作者", **fields)
    return data


def test_the_source_add_form_accepts_files(editor):
    html = editor.get(reverse("admin:claims_source_add")).content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file" name="text_file"' in html


def test_an_uploaded_text_is_stored_byte_for_byte(editor, admin_form):
    data = source_form(editor, admin_form, text="")
    data["text_file"] = SimpleUploadedFile("essay.txt", UPLOADED.encode("utf-8"), content_type="text/plain")
    response = editor.post(reverse("admin:claims_source_add"), data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    source = Source.objects.get(slug="second-essay")
    assert source.text.encode("utf-8") == UPLOADED.encode("utf-8")
    assert source.content_hash == text_hash(UPLOADED)


def test_a_pasted_text_has_the_browsers_line_breaks_made_the_texts_own(editor, admin_form):
    response = editor.post(reverse("admin:claims_source_add"), source_form(editor, admin_form, text="一。\r\n二。\r\n"))
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    assert Source.objects.get(slug="second-essay").text == "一。\n二。\n"


def test_a_file_that_is_not_utf8_is_refused_naming_the_field(editor, admin_form):
    data = source_form(editor, admin_form, text="")
    data["text_file"] = SimpleUploadedFile("essay.txt", "高市早苗".encode("big5"), content_type="text/plain")
    response = editor.post(reverse("admin:claims_source_add"), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["text_file"]
    assert "essay.txt is not UTF-8 text" in errors["text_file"][0]
    assert not Source.objects.filter(slug="second-essay").exists()


def test_pasting_and_uploading_at_once_is_refused(editor, admin_form):
    data = source_form(editor, admin_form, text="貼上的文字。")
    data["text_file"] = SimpleUploadedFile("essay.txt", "上傳的文字。".encode(), content_type="text/plain")
    response = editor.post(reverse("admin:claims_source_add"), data)
    assert response.status_code == 200
    assert "not both" in response.context["adminform"].form.errors["text_file"][0]
    assert not Source.objects.filter(slug="second-essay").exists()


def test_a_source_needs_a_text_pasted_or_uploaded(editor, admin_form):
    response = editor.post(reverse("admin:claims_source_add"), source_form(editor, admin_form, text=""))
    assert response.status_code == 200
    assert "or upload it as a file" in response.context["adminform"].form.errors["text"][0]


def test_an_upload_replaces_the_text_of_a_source_whose_box_was_left_as_it_was(editor, source, admin_form):
    url = reverse("admin:claims_source_change", args=[source.pk])
    data = admin_form(editor, url)
    data["change_reason"] = "The publisher's corrected version."
    data["text_file"] = SimpleUploadedFile("essay.txt", UPLOADED.encode("utf-8"), content_type="text/plain")
    response = editor.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    source.refresh_from_db()
    assert source.text == UPLOADED
    assert source.history.first().history_change_reason == "The publisher's corrected version."


def test_a_quote_typed_across_a_line_break_anchors_in_a_source_that_breaks_lines_with_lf(client, analyst, make_source):
    source = make_source(text="第一行的結尾\n第二行的開頭。")
    client.force_login(analyst)
    response = client.post(
        reverse("admin:claims_claim_add"),
        {
            "source": source.pk, "number": 1, "kind": "assertion", "state": "draft", "quote": "結尾\r\n第二行",
            "occurrence": 1, "text_en": "A proposition.", "text_zh_hant": "一個命題。",
            "updates-TOTAL_FORMS": 0, "updates-INITIAL_FORMS": 0, "evidence-TOTAL_FORMS": 0, "evidence-INITIAL_FORMS": 0,
            "relations-TOTAL_FORMS": 0, "relations-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    claim = Claim.objects.get(source=source)
    assert source.text[claim.start : claim.end] == "結尾\n第二行"
