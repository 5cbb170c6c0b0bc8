"""Settings per environment: local (dev server), test, production. `config.env` picks the default."""
