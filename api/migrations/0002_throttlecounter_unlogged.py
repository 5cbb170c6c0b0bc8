"""The throttle counters skip PostgreSQL's write-ahead log: every throttled request writes them (a login twice),
and a logged write is a WAL record and, at its commit, a WAL flush. What an unlogged table gives up suits
short-lived counters: after a crash PostgreSQL empties it (every window starts afresh, as after a Redis
restart), and a streaming replica has no copy of it (after a failover likewise)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("api", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE api_throttlecounter SET UNLOGGED",
            reverse_sql="ALTER TABLE api_throttlecounter SET LOGGED",
        )
    ]
