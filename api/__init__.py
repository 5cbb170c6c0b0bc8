"""What every API of the project shares: the error format, pagination and the health check."""
