import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from claims.management.commands.seed import SEED_ACCOUNT
from claims.models import command_account

pytestmark = pytest.mark.django_db


def run():
    out = StringIO()
    call_command("create_local_analyst", stdout=out)
    return out.getvalue()


def test_first_run_creates_a_superuser_and_prints_its_password_once():
    output = run()
    password = re.search(r"with password '([^']+)'", output).group(1)
    analyst = get_user_model().objects.get(username="analyst")
    assert analyst.is_superuser and analyst.is_staff
    assert analyst.check_password(password)
    assert analyst.history.get().history_change_reason.startswith("Local analyst login created")


def test_second_run_creates_nothing_and_prints_no_password():
    run()
    output = run()
    assert "password" not in output
    assert get_user_model().objects.count() == 1


def test_each_install_gets_its_own_password():
    first = re.search(r"with password '([^']+)'", run()).group(1)
    get_user_model().objects.all().delete()
    second = re.search(r"with password '([^']+)'", run()).group(1)
    assert first != second


def test_a_seed_account_alone_does_not_stop_the_local_login_being_created():
    command_account(SEED_ACCOUNT, "Seed loader")  # as the seed command makes it
    assert "with password" in run()
    assert get_user_model().objects.filter(username="analyst", is_superuser=True).exists()
