from django import template
from django.urls import translate_url
from django.utils.translation import get_language

register = template.Library()


@register.filter
def in_language(obj, field):
    """`actor|in_language:"name"`: the English field (name_en) on English pages, the original otherwise."""
    if get_language() == "en":
        return getattr(obj, f"{field}_en", "") or getattr(obj, field)
    return getattr(obj, field)


@register.simple_tag(takes_context=True)
def page_in_language(context, code):
    """This page's address in another language, query string included."""
    return translate_url(context["request"].get_full_path(), code)
