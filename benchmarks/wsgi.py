import os
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
application = get_wsgi_application()
import_module(settings.ROOT_URLCONF)  # as config/wsgi.py: the views imported once, before the fork
