from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from analysts.models import Analyst


@admin.register(Analyst)
class AnalystAdmin(SimpleHistoryAdmin, UserAdmin):
    list_display = ["username", "display_name", "email", "is_staff", "is_active"]
    fieldsets = [
        *UserAdmin.fieldsets,
        ("Profile", {"fields": ["display_name", "bio"]}),
    ]
