"""Embedded PostgreSQL and S3 servers for the zero-configuration dev server, the tests and the benchmarks.

Entry points start them (`manage.py` in DEBUG, the pytest plugin, bench/); settings only read the POSTGRES_* /
SPACES_* variables these export. Development requirements only: production never imports this package.
"""
