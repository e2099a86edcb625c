"""Container health checks.

    python docker/healthcheck.py web     /readyz/ answers 200: gunicorn, the database, the
                                         broker and the file storage all work
    python docker/healthcheck.py beat    Celery beat's scheduler loop still turns: the heartbeat
                                         file it touches on every tick (wujin_branch.beat) is
                                         younger than BEAT_HEARTBEAT_MAX_AGE seconds (default 120)
    python docker/healthcheck.py broker  the Redis broker answers

Exit status 0 means healthy. Standard library only (plus redis for `broker`): no Django set-up.
"""

import os
import sys
import time
import urllib.error
import urllib.request

DEFAULT_HEARTBEAT_FILE = "/tmp/celerybeat-heartbeat"  # as in wujin_branch/beat.py


def check_web():
    # Plain http with an allowed Host: /readyz/ is exempt from the HTTPS redirect.
    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    host = next((h.lstrip(".") for h in hosts if h != "*"), "localhost")
    request = urllib.request.Request("http://127.0.0.1:8000/readyz/", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=8) as response:
            return response.status == 200
    except urllib.error.HTTPError as e:  # 503: say which part failed in `docker inspect`
        print(e.read().decode("utf-8", "replace")[:500])
        return False
    except (urllib.error.URLError, OSError) as e:
        print(e)
        return False


def check_beat():
    path = os.environ.get("BEAT_HEARTBEAT_FILE") or DEFAULT_HEARTBEAT_FILE
    max_age = float(os.environ.get("BEAT_HEARTBEAT_MAX_AGE") or 120)
    try:
        age = time.time() - os.stat(path).st_mtime
    except OSError as e:
        print(e)
        return False
    if age > max_age:
        print(f"{path} last touched {age:.0f}s ago (more than {max_age:.0f}s)")
        return False
    return True


def check_broker():
    import redis  # a project dependency

    url = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL")
    try:
        return bool(url) and redis.Redis.from_url(url, socket_timeout=5).ping()
    except redis.RedisError:
        return False


if __name__ == "__main__":
    checks = {"web": check_web, "beat": check_beat, "broker": check_broker}
    if len(sys.argv) != 2 or sys.argv[1] not in checks:
        sys.exit(f"usage: {sys.argv[0]} {{{'|'.join(checks)}}}")
    sys.exit(0 if checks[sys.argv[1]]() else 1)
