from django.apps import AppConfig
from django.conf import settings
from django.core.signals import request_finished
from django.db.models.signals import m2m_changed, post_delete, post_save

from config.routers import end_public_reads

# The apps whose records public pages show (with the accounts, whose public names they show).
SHOWN_APPS = {"claims", "analysts"}


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims"

    def ready(self):
        for signal in (post_save, post_delete, m2m_changed):
            signal.connect(data_changed, dispatch_uid=f"claims-revision-{signal}")
        request_finished.connect(end_public_reads, dispatch_uid="claims-end-public-reads")


def data_changed(sender, **kwargs):
    """Move the data revision on when a record that a public page may show was written."""
    from claims.models import Revision, bump_revision

    meta = sender._meta
    if kwargs.get("raw"):
        return  # loaddata (a restore) writes rows as they were, the revision's included
    if sender is Revision or (meta.app_label not in SHOWN_APPS and meta.label != settings.AUTH_USER_MODEL):
        return
    bump_revision()
