"""Editors unlock accounts that django-axes locked after too many failed logins.

They see the failed logins (axes' access attempts) and may run the admin's unlock action, which
needs `change_accessattempt`: axes' model has no unlock permission of its own. Nothing else of
the record can be changed in the admin, and the role still deletes nothing.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

UNLOCK = ["view_accessattempt", "change_accessattempt"]


def grant_unlock(apps, schema_editor):
    # Permissions are normally created after all migrations; the role needs these now.
    axes = apps.get_app_config("axes")
    axes.models_module = True
    create_permissions(axes, apps=apps, verbosity=0)
    axes.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editor, _ = Group.objects.get_or_create(name="editor")
    editor.permissions.add(*Permission.objects.filter(content_type__app_label="axes", codename__in=UNLOCK))


def revoke_unlock(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name="editor"):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="axes", codename__in=UNLOCK))


class Migration(migrations.Migration):
    dependencies = [
        ("analysts", "0004_versions"),
        ("axes", "0010_accessattemptexpiration"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant_unlock, revoke_unlock)]
