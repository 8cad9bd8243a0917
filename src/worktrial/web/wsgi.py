"""The WSGI application (``worktrial serve`` runs it under gunicorn)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "worktrial.web.settings.embedded")
application = get_wsgi_application()
