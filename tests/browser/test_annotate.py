"""An editor adds the next essay in the admin and adds a claim by selecting its words on the annotate page."""

from importlib import import_module
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from playwright.sync_api import expect

from claims.models import Claim, Source

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"

# Astral characters (𠀋, and the flag's two regional indicators) before the selected words: a browser counts
# each as two UTF-16 units, Python as one character. The words occur twice; the second is selected.
TEXT = (
    "第二篇評論\n\n"
    "𠀋日本將大幅增加國防支出🇯🇵。高市將有更大空間推動修憲議程。\n"
    "日本將大幅增加國防支出，高市將有更大空間推動修憲議程。\n"
)
WORDS = "高市將有更大空間推動修憲議程"

SELECT = """([words, occurrence]) => {
    // Select the n-th occurrence of `words` in the annotate page's text, as a reader's drag would.
    const container = document.getElementById("annotate-text");
    let at = -1;
    for (let n = 0; n < occurrence; n++) at = container.textContent.indexOf(words, at + 1);
    const walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    let seen = 0;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const length = node.data.length;
        if (seen <= at && at < seen + length) range.setStart(node, at - seen);
        if (seen < at + words.length && at + words.length <= seen + length) range.setEnd(node, at + words.length - seen);
        seen += length;
    }
    const selection = document.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    container.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
    return selection.toString();
}"""


def text_on(page):
    """The annotate page's text exactly as the browser holds it: what offsets are counted in."""
    return page.locator("#annotate-text").evaluate("element => element.textContent")


def log_in(page, site, username, password):
    page.goto(site + "/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Claims, evidence and reviews")).to_be_visible()


@pytest.fixture
def roles(transactional_db):
    """The role groups as the migrations make them: a live-server test's flush empties every table,
    migrations' data included, and puts back only content types and permissions."""
    for name, codes in import_module("analysts.migrations.0003_roles").ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for code in codes:
            app_label, codename = code.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def test_an_editor_adds_an_essay_and_a_claim_for_the_words_selected_on_its_annotate_page(page, site, roles, make_user):
    make_user("eve", "editor")
    log_in(page, site, "eve", "pw-eve-1")

    page.goto(site + "/admin/claims/source/add/")
    page.locator("input[name=title]").fill("第二篇評論")
    page.locator("input[name=title_en]").fill("The second commentary")
    page.locator("input[name=author]").fill("作者")
    expect(page.locator("input[name=slug]")).to_have_value("the-second-commentary")  # filled from the English title
    page.locator("textarea[name=text]").fill(TEXT)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "admin-source-add.png"), full_page=True)
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")
    source = Source.objects.get(slug="the-second-commentary")
    assert source.text == TEXT

    page.goto(site + f"/admin/claims/source/{source.pk}/change/")
    page.get_by_role("link", name="Annotate the text").click()
    assert text_on(page) == TEXT
    add = page.get_by_role("link", name="Add a claim for the selected words")
    expect(add).to_be_hidden()

    assert page.evaluate(SELECT, [WORDS, 2]) == WORDS
    expect(add).to_be_visible()
    start = TEXT.index(WORDS, TEXT.index(WORDS) + 1)
    expect(add).to_have_attribute("data-start", str(start))
    expect(page.locator("#annotate-selected")).to_contain_text(f"characters {start} to {start + len(WORDS)}")
    page.screenshot(path=str(SCREENSHOTS / "admin-annotate-selection.png"))
    add.click()

    expect(page.locator("textarea[name=quote]")).to_have_value(WORDS)
    expect(page.locator("input[name=occurrence]")).to_have_value("2")
    expect(page.locator("input[name=number]")).to_have_value("1")
    expect(page.locator("select[name=source]")).to_have_value(str(source.pk))
    page.locator("select[name=kind]").select_option("prediction")
    page.locator("textarea[name=text_en]").fill("Takaichi will have more room to push constitutional revision.")
    page.locator("textarea[name=resolution_criteria]").fill("The Diet initiates an amendment by the end of 2027.")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")

    claim = Claim.objects.get(source=source, number=1)
    assert (claim.start, claim.end) == (start, start + len(WORDS))
    assert source.text[claim.start : claim.end] == WORDS

    # The new claim is marked on the annotate page, linked to its form.
    page.goto(site + f"/admin/claims/source/{source.pk}/annotate/")
    expect(page.locator("#annotate-text mark[title=C1]")).to_have_text(WORDS)
    assert text_on(page) == TEXT


def test_the_seeded_essays_annotate_page_marks_its_claims_and_keeps_its_text(page, site, essay, analyst):
    source = Source.objects.get(slug=essay)
    log_in(page, site, "analyst", "pw-analyst-1")
    page.goto(site + f"/admin/claims/source/{source.pk}/annotate/")
    labels = page.locator("#annotate-text mark").evaluate_all(
        "marks => [...new Set(marks.flatMap(mark => mark.title.split(', ')))]"
    )
    assert sorted(labels) == sorted(claim.label for claim in source.claims.all())
    assert text_on(page) == source.text
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "admin-annotate.png"))


def test_dragging_the_mouse_across_a_marked_claim_selects_its_words_and_a_plain_click_opens_the_claim(
    page, site, essay, analyst
):
    source = Source.objects.get(slug=essay)
    claim = source.claims.get(number=1)
    log_in(page, site, "analyst", "pw-analyst-1")
    page.goto(site + f"/admin/claims/source/{source.pk}/annotate/")
    mark = page.locator("#annotate-text mark[title=C1]")
    box = mark.bounding_box()
    middle = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 2, middle)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2, middle, steps=5)
    page.mouse.move(box["x"] + box["width"] - 2, middle, steps=5)
    page.mouse.up()

    expect(page).to_have_url(site + f"/admin/claims/source/{source.pk}/annotate/")
    add = page.get_by_role("link", name="Add a claim for the selected words")
    expect(add).to_be_visible()
    expect(add).to_have_attribute("data-start", str(claim.start))
    expect(add).to_have_attribute("data-end", str(claim.end))

    mark.click()
    expect(page).to_have_url(site + f"/admin/claims/claim/{claim.pk}/change/")


def test_an_editor_picks_the_essay_of_a_new_claim_by_its_autocomplete(page, site, roles, make_user):
    make_user("eve", "editor")
    log_in(page, site, "eve", "pw-eve-1")
    essay = Source.objects.get()
    quote = next(essay.text[start : start + 12] for start in range(200, len(essay.text)) if essay.text.count(essay.text[start : start + 12]) == 1)

    page.goto(site + "/admin/claims/claim/add/")
    page.locator("select[name=source] + .select2 .select2-selection").click()
    page.locator(".select2-search__field[aria-controls=select2-id_source-results]").fill(essay.title_en.split()[0])
    page.locator(".select2-results__option", has_text=str(essay)).click()
    expect(page.locator("select[name=source]")).to_have_value(str(essay.pk))
    page.locator("input[name=number]").fill("100")
    page.locator("textarea[name=quote]").fill(quote)
    page.locator("select[name=kind]").select_option("assertion")
    page.locator("textarea[name=text_en]").fill("A claim added from the blank form.")
    page.locator("textarea[name=text_zh_hant]").fill("從空白表單新增的主張。")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")

    claim = Claim.objects.get(source=essay, number=100)
    assert essay.text[claim.start : claim.end] == quote
