#!/bin/sh
# Container entry point for web, worker and beat (one image, different commands).
# The web server (gunicorn) first brings the database schema up to date and collects the
# static files; the worker and beat start only after web is healthy (docker-compose.yml),
# so they never run against an old schema.
set -eu

cd /app

if [ "${1:-}" = "gunicorn" ]; then
    python manage.py migrate --noinput
    python manage.py collectstatic --noinput --verbosity 0
fi

exec "$@"
