import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yanxun.settings")
application = get_wsgi_application()

# What is alive once the application has loaded (modules, settings, URL patterns) stays alive:
# take it out of the cyclic collector's scans, and let the youngest generation grow larger
# before a collection. A list page allocates tens of thousands of short-lived objects; with
# the default threshold of 700 the collector ran dozens of times per page.
gc.freeze()
gc.set_threshold(50_000, 20, 20)
