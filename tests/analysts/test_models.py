import pytest
from django.conf import settings

from analysts.models import Analyst

pytestmark = pytest.mark.django_db


def test_analyst_is_the_user_model():
    assert settings.AUTH_USER_MODEL == "analysts.Analyst"


def test_analyst_is_shown_by_display_name_then_full_name_then_username():
    analyst = Analyst(username="mk", first_name="Mei", last_name="Kao")
    assert str(analyst) == "Mei Kao"
    analyst.display_name = "Kao Mei (East Asia desk)"
    assert str(analyst) == "Kao Mei (East Asia desk)"
    assert str(Analyst(username="mk")) == "mk"


def test_analyst_history_never_stores_the_password_hash():
    analyst = Analyst.objects.create_user(username="mk", password="a-long-password-1")
    assert not hasattr(analyst.history.get(), "password")
