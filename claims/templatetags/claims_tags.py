from django import template
from django.urls import translate_url
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from claims.models import CONFIDENCE_BANDS, ClaimStatus, Confidence, in_reader_language

register = template.Library()


@register.filter
def in_language(obj, field):
    """`actor|in_language:"name"`: the English field (name_en) on English pages, the original otherwise."""
    if get_language() == "en":
        return getattr(obj, f"{field}_en", "") or getattr(obj, field)
    return getattr(obj, field)


@register.filter
def translated(obj, field):
    """`claim|translated:"text"`: the field in the reader's language, a fallback wrapped in a span with its `lang`."""
    text, lang = in_reader_language(obj, field)
    return format_html('<span lang="{}">{}</span>', lang, text) if lang else text


@register.filter
def translated_text(obj, field):
    """The same text as `translated`, unmarked, for attributes and meta tags."""
    return in_reader_language(obj, field)[0]


@register.simple_tag(takes_context=True)
def other_parameters(context, name):
    """This page's query string without `name`: what a page of one list keeps of the others' pages."""
    query = context["request"].GET.copy()
    query.pop(name, None)
    return query.urlencode()


@register.simple_tag(takes_context=True)
def page_in_language(context, code):
    """This page's address in another language, query string included."""
    return translate_url(context["request"].get_full_path(), code)


# The annotated essay colours each passage by its claim's status group. A group gathers the
# statuses that read alike at a glance; the claim's kind already says which scale it is on.
STATUS_GROUPS = {
    "not-rated": (_("Not yet rated"), [ClaimStatus.NOT_RATED]),
    "accurate": (_("Accurate or mostly accurate"), [ClaimStatus.ACCURATE, ClaimStatus.MOSTLY_ACCURATE]),
    "inaccurate": (_("Mixed or inaccurate"), [ClaimStatus.MIXED, ClaimStatus.INACCURATE]),
    "in-progress": (_("In progress or stalled"), [ClaimStatus.IN_PROGRESS, ClaimStatus.STALLED]),
    "fulfilled": (_("Fulfilled or partly fulfilled"), [ClaimStatus.FULFILLED, ClaimStatus.PARTLY_FULFILLED]),
    "not-fulfilled": (_("Not fulfilled"), [ClaimStatus.NOT_FULFILLED]),
    "unjudged": (_("Unverifiable or void"), [ClaimStatus.UNVERIFIABLE, ClaimStatus.VOID]),
}
GROUP_OF_STATUS = {status: key for key, (_label, statuses) in STATUS_GROUPS.items() for status in statuses}


@register.filter
def status_group(claim):
    """`claim|status_group`: the key of the essay legend's group its status belongs to."""
    return GROUP_OF_STATUS[ClaimStatus(claim.status)]


@register.simple_tag
def status_legend():
    """The essay legend's groups, in order: (key, label) pairs."""
    return [(key, label) for key, (label, _statuses) in STATUS_GROUPS.items()]


@register.filter
def confidence_band(claim):
    """`claim|confidence_band`: its band's label, probability in percent and the essay's wording; None if unset."""
    if not claim.confidence:
        return None
    band = Confidence(claim.confidence)
    probability, wording = CONFIDENCE_BANDS[band]
    return {"label": band.label, "percent": round(probability * 100), "wording": wording}
