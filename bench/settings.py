"""The project's settings, with the load test's URLs (a trivial logged-in view besides the
real ones). Only ``bench/loadtest.py`` starts gunicorn with these."""

from wujin_branch.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
