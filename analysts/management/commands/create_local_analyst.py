import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "For a local install: create an analyst login with a random password and print it once. "
        "Does nothing when a superuser already exists."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="analyst")

    def handle(self, *args, username, **options):
        Analyst = get_user_model()
        if Analyst.objects.filter(is_superuser=True).exists():
            self.stdout.write("create_local_analyst: a superuser exists already; nothing created.")
            return
        password = secrets.token_urlsafe(12)
        analyst = Analyst(username=username, display_name="Local analyst", is_staff=True, is_superuser=True)
        analyst.set_password(password)
        analyst._change_reason = "Local analyst login created by create_local_analyst"
        analyst.save()
        self.stdout.write(
            f"create_local_analyst: log in at http://127.0.0.1:8000/admin/ as {username!r} "
            f"with password {password!r}. It is shown only this once."
        )
