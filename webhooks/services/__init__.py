"""Webhook writes: fanout (events into deliveries), delivery (one attempt), endpoints (the owner's)."""
