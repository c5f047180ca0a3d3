"""The running process of the CRM contacts service: settings, database, auth, ASGI app, CLI."""
