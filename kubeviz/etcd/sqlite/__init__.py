"""Django's SQLite backend, with a write lock that is polled rather than slept for."""
