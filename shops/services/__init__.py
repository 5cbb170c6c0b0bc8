"""Writes to shops and their catalogue. Each service takes objects the caller has already scoped to
their owner (see `shops.selectors`), validates, and writes in one transaction."""
