"""Django's PostgreSQL backend, keeping a locked cluster's counters for the transaction."""
