from django import forms
from django.utils.translation import gettext_lazy as _

from claims.models import Actor, Claim, Source, Topic, Track
from claims.templatetags.claims_tags import in_language


class LocalizedChoiceField(forms.ModelChoiceField):
    """Lists records by their name in the page's language (title for sources)."""

    def label_from_instance(self, obj):
        field = "title" if isinstance(obj, Source) else "name"
        return in_language(obj, field)


SOURCES_IN_A_LIST = 50


class ClaimFilterForm(forms.Form):
    """The claim list's filters; they live in the query string so a filtered view can be shared."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_("A claim number such as C87, or words in Chinese or English that must all appear."),
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *Claim.Kind.choices])
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All statuses")), *Claim.Status.choices])
    topic = LocalizedChoiceField(label=_("Topic"), required=False, queryset=Topic.objects.all(), to_field_name="slug", empty_label=_("All topics"))
    actor = LocalizedChoiceField(label=_("Actor"), required=False, queryset=Actor.objects.all(), to_field_name="slug", empty_label=_("All actors"))
    track = LocalizedChoiceField(label=_("Track"), required=False, queryset=Track.objects.all(), to_field_name="slug", empty_label=_("All tracks"))
    source = LocalizedChoiceField(label=_("Source"), required=False, queryset=Source.objects.all(), to_field_name="slug", empty_label=_("All sources"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One query, however many essays: up to the limit they are the drop-down's choices; past
        # it the filter takes the essay's address name (its slug) in a text box.
        sources = list(Source.objects.only("slug", "title", "title_en")[: SOURCES_IN_A_LIST + 1])
        field = self.fields["source"]
        if len(sources) > SOURCES_IN_A_LIST:
            field.widget = forms.TextInput(attrs={"placeholder": _("essay's address name")})
        else:
            field.choices = [("", field.empty_label), *((source.slug, field.label_from_instance(source)) for source in sources)]

    def filter(self, claims):
        """Narrow `claims` by the valid filters; an invalid one is ignored and shown as an error."""
        self.is_valid()
        data = self.cleaned_data
        if data.get("q"):
            claims = claims.filter(Claim.matching(data["q"]))
        if data.get("kind"):
            claims = claims.filter(kind=data["kind"])
        if data.get("status"):
            claims = claims.filter(status=data["status"])
        if data.get("track"):
            claims = claims.filter(track_id=data["track"].pk)
        if data.get("source"):
            claims = claims.filter(source_id=data["source"].pk)
        # Topics and actors are filtered through their current links, also for a past day.
        if data.get("topic"):
            claims = claims.filter(id__in=Claim.topics.through.objects.filter(topic=data["topic"]).values("claim_id"))
        if data.get("actor"):
            claims = claims.filter(id__in=Claim.actors.through.objects.filter(actor=data["actor"]).values("claim_id"))
        return claims

    @property
    def is_filtered(self):
        return any(self.cleaned_data.get(name) for name in self.fields)
