"""Container health checks.

    python docker/healthcheck.py web     the Django app answers through gunicorn
    python docker/healthcheck.py broker  the Redis broker answers (used for Celery beat,
                                         which has no status endpoint of its own)

Exit status 0 means healthy.
"""

import os
import sys
import urllib.error
import urllib.request


def check_web():
    # Ask for the login page the way the reverse proxy would: with an allowed Host and
    # X-Forwarded-Proto, so neither ALLOWED_HOSTS nor the HTTPS redirect gets in the way.
    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    host = next((h.lstrip(".") for h in hosts if h != "*"), "localhost")
    request = urllib.request.Request(
        "http://127.0.0.1:8000/login/", headers={"Host": host, "X-Forwarded-Proto": "https"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def check_broker():
    import redis  # a project dependency

    try:
        return redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=5).ping()
    except (KeyError, redis.RedisError):
        return False


if __name__ == "__main__":
    checks = {"web": check_web, "broker": check_broker}
    if len(sys.argv) != 2 or sys.argv[1] not in checks:
        sys.exit(f"usage: {sys.argv[0]} {{{'|'.join(checks)}}}")
    sys.exit(0 if checks[sys.argv[1]]() else 1)
