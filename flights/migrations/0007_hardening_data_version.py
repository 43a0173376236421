"""The shared data version (flights/cache.py) and the admin role's import permissions."""

from django.db import migrations, models


def grant_import_permissions(apps, schema_editor):
    from flights.permissions import setup_roles

    setup_roles(apps)  # idempotent: adds what ROLE_PERMISSIONS gained since 0002


class Migration(migrations.Migration):
    dependencies = [
        ("flights", "0006_fewer_redundant_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="DataVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("value", models.BigIntegerField()),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("id", 1)),
                        name="data_version_single_row",
                        violation_error_message="There is only one data version.",
                    )
                ],
            },
        ),
        migrations.RunPython(grant_import_permissions, migrations.RunPython.noop),
    ]
