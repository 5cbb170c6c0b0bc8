"""The job queue: procrastinate (PostgreSQL) set up once for every app, its retry policies, and a log of failures."""
