"""Loaded by pytest before Django reads its settings (`-p` in pyproject.toml).

Settings start in production mode unless DJANGO_DEBUG says otherwise; the suite runs the
development configuration (the embedded database, static files straight from the apps), as
`make run` does. pytest-django still runs each test with DEBUG off.
"""

import os

os.environ["DJANGO_DEBUG"] = "true"
# A test writes with QuerySet.update() to backdate records, which moves no data revision: the
# page cache is off, except in the tests of the cache itself (tests/claims/test_page_cache.py).
os.environ.setdefault("PAGE_CACHE_SECONDS", "0")
