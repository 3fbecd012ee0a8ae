"""The two roles, as groups with exactly the permissions they need.

Analysts edit claims and evidence, record updates and complete reviews; they
cannot publish, withdraw or delete. Editors do all that, and also publish and
withdraw claims, manage sources, tracks, stages, topics and actors, and open and
close review cycles. Nobody but a superuser deletes anything.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ANALYST = [
    "claims.view_source", "claims.view_track", "claims.view_stage", "claims.view_topic", "claims.view_actor",
    "claims.view_claim", "claims.add_claim", "claims.change_claim",
    "claims.view_evidence", "claims.add_evidence", "claims.change_evidence",
    "claims.view_update", "claims.add_update",
    "claims.view_claimrelation", "claims.add_claimrelation", "claims.change_claimrelation",
    "analysts.view_reviewcycle", "analysts.view_assignment", "analysts.change_assignment",
]  # fmt: skip
EDITOR = [
    *ANALYST,
    "claims.publish_claim",
    "claims.add_source", "claims.change_source",
    "claims.add_track", "claims.change_track", "claims.add_stage", "claims.change_stage",
    "claims.add_topic", "claims.change_topic", "claims.add_actor", "claims.change_actor",
    "analysts.add_reviewcycle", "analysts.change_reviewcycle", "analysts.view_all_reviews",
]  # fmt: skip
ROLES = {"analyst": ANALYST, "editor": EDITOR}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; the roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = []
        for code in codes:
            app_label, codename = code.split(".")
            permissions.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(permissions)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("analysts", "0002_initial"),
        ("claims", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
