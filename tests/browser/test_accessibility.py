"""axe-core finds nothing serious on the main public pages, in either language.

Each test also leaves a full-page screenshot in tests/screenshots/ for a person to look at.
"""

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"

PAGES = {
    "home": "/{language}/",
    "claim-list": "/{language}/claims/",
    "claim-detail": "/{language}/sources/{source}/C95/",
    "source-detail": "/{language}/sources/{source}/",
}
SERIOUS = {"serious", "critical"}


def describe(violations):
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"][:5]:
            # failureSummary opens with "Fix any/all of the following:", then one reason a line.
            reason = (node["failureSummary"].splitlines()[1:] or [""])[0].strip()
            lines.append(f"    {' '.join(map(str, node['target']))}: {reason}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    … and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


@pytest.mark.parametrize("language", ["en", "zh-hant"])
@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_serious_accessibility_violation(axe_script, new_page, site, essay, name, language):
    path = PAGES[name].format(language=language, source=essay)
    # The site's CSP (script-src 'self') blocks the injected axe script; the harness may bypass it.
    page = new_page(bypass_csp=True)
    response = page.goto(site + path)
    assert response.ok, f"{path}: {response.status}"
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{language}-{name}.png", full_page=True)
    page.add_script_tag(path=axe_script)
    results = page.evaluate("async () => await axe.run()")
    serious = [violation for violation in results["violations"] if violation["impact"] in SERIOUS]
    assert not serious, f"axe-core on {path}:\n{describe(serious)}"
