"""WSGI entry point for gunicorn and `flask --app wsgi`."""

from portal_plugin import create_app

app = create_app()
