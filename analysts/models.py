from django.contrib.auth.models import AbstractUser
from django.db import models
from simple_history.models import HistoricalRecords


class Analyst(AbstractUser):
    """A person who judges claims; also the account the admin logs in with."""

    display_name = models.CharField(
        max_length=150,
        blank=True,
        help_text="The name shown with the analyst's updates and reviews.",
    )
    bio = models.TextField(blank=True, help_text="A few lines on who the analyst is.")

    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        ordering = ["username"]
        verbose_name = "analyst"

    def __str__(self):
        return self.display_name or self.get_full_name() or self.username
