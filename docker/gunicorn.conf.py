"""gunicorn settings for the web service (the image's command) and the load test, so the load
test measures what production runs. The worker count comes from WEB_CONCURRENCY (gunicorn
reads it) or --workers; the bind address from --bind.

Workers are recycled after about 1,000 requests (jitter so the three never restart together):
a long-lived Python process keeps the peak memory of its largest request (a big export, a
page of 200 members), and recycling bounds that without a memory limit that kills requests.
"""

bind = "0.0.0.0:8000"
worker_tmp_dir = "/dev/shm"  # the heartbeat file: /tmp may be a slow disk in a container
timeout = 60
graceful_timeout = 30
max_requests = 1000
max_requests_jitter = 100
accesslog = "-"
