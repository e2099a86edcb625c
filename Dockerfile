# syntax=docker/dockerfile:1
# One image for the web server, the Celery worker and Celery beat (docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=wujin_branch.settings

# WeasyPrint's runtime libraries (Pango, HarfBuzz with subsetting, fontconfig) and a CJK
# font, without which Chinese text in the PDFs comes out as empty boxes.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      fonts-noto-cjk \
      libpango-1.0-0 \
      libpangoft2-1.0-0 \
      libharfbuzz0b \
      libharfbuzz-subset0 \
      libfontconfig1 \
      fontconfig \
 && rm -rf /var/lib/apt/lists/*

# pg_dump / pg_restore for `manage.py backup` and `restore`. They must not be older than the
# server (postgres:16 in docker-compose.yml) and Debian bookworm ships 15, so they come from
# the PostgreSQL project's apt repository (https://www.postgresql.org/download/linux/debian/).
ARG PG_CLIENT_MAJOR=16
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates curl \
 && install -d /usr/share/postgresql-common/pgdg \
 && curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc https://www.postgresql.org/media/keys/ACCC4CF8.asc \
 && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" \
      > /etc/apt/sources.list.d/pgdg.list \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-client-${PG_CLIENT_MAJOR} \
 && apt-get purge -y --auto-remove curl \
 && rm -rf /var/lib/apt/lists/* \
 && pg_dump --version

RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first, so a code change does not reinstall them. pyproject.toml declares
# no importable packages, so `pip install .` installs the dependencies only; the code runs
# from /app.
COPY pyproject.toml ./
RUN pip install . && rm -rf build *.egg-info

# Fail the build, not the first export, if WeasyPrint cannot find its libraries or a CJK font.
RUN python -c "import weasyprint; weasyprint.HTML(string='<p>党支部</p>').write_pdf()" \
 && fc-list :lang=zh family | grep -q "Noto Sans CJK"

# Code is owned by root and read-only for the app user; only collected static files and
# uploads are writable.
COPY . .
# The PDF font subset (GB 2312 from Noto Sans CJK SC) is built into the image.
RUN SECRET_KEY=build-only-not-secret python manage.py build_pdf_font \
 && chmod 0755 docker/entrypoint.sh \
 && mkdir -p /app/staticfiles /data/media /data/backups \
 && chown app:app /app/staticfiles /data/media /data/backups

# The app user's home (/app) is read-only; fontconfig and friends cache under /tmp.
ENV STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media \
    XDG_CACHE_HOME=/tmp/.cache

USER app
EXPOSE 8000
VOLUME ["/data/media", "/data/backups"]

ENTRYPOINT ["/app/docker/entrypoint.sh"]
# Worker count comes from WEB_CONCURRENCY (gunicorn reads it; default 1).
# The rest (timeouts, recycling after ~1,000 requests) is docker/gunicorn.conf.py, which the
# load test (make loadtest) uses too.
CMD ["gunicorn", "-c", "docker/gunicorn.conf.py", "wujin_branch.wsgi:application"]
