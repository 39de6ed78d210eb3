"""Django's PostgreSQL and SQLite backends with one addition: a use case's transaction begins at its
first database statement (``core.dbbackends.deferred``). ``portal/settings.py`` names them."""
