"""The Traditional Chinese interface is complete and its compiled catalogue is current."""

import ast
import gettext
import re

import pytest
from django.conf import settings

LOCALE = settings.BASE_DIR / "locale" / "zh_Hant" / "LC_MESSAGES"
TRANSLATE_TAG = re.compile(r"""{%\s*translate\s+("[^"]*"|'[^']*')""")


def po_entries():
    """(msgid, msgstr, is_fuzzy) for each entry of django.po, the header left out."""
    entries = []
    for block in (LOCALE / "django.po").read_text(encoding="utf-8").split("\n\n"):
        lines = block.strip().splitlines()
        fields, key = {}, None
        for line in lines:
            match = re.match(r"(msgid_plural|msgid|msgstr(?:\[0\])?) (\".*\")$", line)
            if match:
                key = match.group(1)
                fields[key] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and key:
                fields[key] += ast.literal_eval(line)
        if fields.get("msgid"):
            msgstr = fields.get("msgstr", fields.get("msgstr[0]", ""))
            entries.append((fields["msgid"], msgstr, any(line.startswith("#,") and "fuzzy" in line for line in lines)))
    return entries


def test_every_interface_string_has_a_chinese_translation():
    entries = po_entries()
    assert len(entries) > 150
    missing = [msgid for msgid, msgstr, fuzzy in entries if not msgstr or fuzzy]
    assert missing == []


def test_translations_keep_their_placeholders():
    for msgid, msgstr, _ in po_entries():
        assert sorted(re.findall(r"%\(\w+\)s", msgid)) == sorted(re.findall(r"%\(\w+\)s", msgstr)), msgid


def test_compiled_catalogue_matches_the_po_file():
    with (LOCALE / "django.mo").open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    for msgid, msgstr, _ in po_entries():
        assert catalogue.gettext(msgid) == msgstr or catalogue.ngettext(msgid, msgid, 1) == msgstr, msgid


@pytest.mark.parametrize("template", sorted((settings.BASE_DIR / "templates").rglob("*.html")), ids=lambda path: path.name)
def test_every_translate_tag_in_templates_is_in_the_catalogue(template):
    msgids = {msgid for msgid, _, _ in po_entries()}
    for literal in TRANSLATE_TAG.findall(template.read_text(encoding="utf-8")):
        assert literal[1:-1] in msgids, f"{template.name}: {literal}"
