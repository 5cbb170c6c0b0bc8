"""Embedded PostgreSQL and S3 servers for the zero-configuration dev server and test run."""
