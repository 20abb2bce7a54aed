import os
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
# Import every view (and what they import: the search segmenter, the reuse engine, python-docx) now, not at
# each worker's first request: under gunicorn's preload the master does it once and the workers share those
# pages instead of each importing its own copy after the fork.
import_module(settings.ROOT_URLCONF)
