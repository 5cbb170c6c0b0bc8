"""The database cache table (throttle counters when REDIS_URL is unset), so `migrate` alone prepares a
database: no separate `createcachetable` step to forget. A no-op when the cache is Redis."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_merge_0002_user_profile_image_0002_username_validator")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
