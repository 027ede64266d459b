import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# What loading made (the apps, models, admin: some 78,000 objects) lives as long as
# the worker, so the cyclic collector need not walk it again at every full pass: a
# pause of 62-91 ms became 15-31 ms, twice as often, the same time in all
# (benchmarks/LOAD.md, ninth pass).
gc.freeze()
