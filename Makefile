# Two commands matter: `make run` (demo on 127.0.0.1:8000) and `make test` (whole suite).
# Both install what they need and are safe to run again.

PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
export DJANGO_SETTINGS_MODULE := wujin_branch.settings

.PHONY: run test test-s3 s3 install install-serve system-deps migrate demo lint bench loadtest worker backup restore clean

# Serving needs the project and its runtime packages; the tests add the dev extras
# (pytest, Playwright, ruff …) and Chromium. `make run` installs only the first.
SERVE_STAMP := $(VENV)/.installed-serve

$(SERVE_STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	@touch $(SERVE_STAMP)

$(STAMP): pyproject.toml $(SERVE_STAMP)
	$(BIN)/pip install -q -e ".[dev]"
	@touch $(STAMP)

# What serving needs: the packages, the CJK font for PDFs, the local settings.
install-serve: $(SERVE_STAMP) .env
	@$(MAKE) --no-print-directory system-deps SYSTEM_PACKAGES="fonts-noto-cjk"
	@DEBUG=1 $(BIN)/python manage.py build_pdf_font || echo "PDF font not built (install fonts-noto-cjk): PDFs will not work until it is."

# What the tests need on top: the dev extras and Chromium.
install: install-serve $(STAMP)
	@$(MAKE) --no-print-directory system-deps SYSTEM_PACKAGES="chromium fonts-noto-cjk"

# Debian packages: Chromium for browser tests, a CJK font for PDFs. Installed when we are
# root and they are missing (checked on every run: it is cheap); otherwise a hint is printed
# and the tests that need them say what is missing.
SYSTEM_PACKAGES ?= chromium fonts-noto-cjk
system-deps:
	@missing=""; \
	case " $(SYSTEM_PACKAGES) " in *" chromium "*) [ -x /usr/bin/chromium ] || missing="$$missing chromium";; esac; \
	[ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || missing="$$missing fonts-noto-cjk"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing system packages:$$missing"; mkdir -p var; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing) \
	      >var/apt.log 2>&1 || { echo "apt-get failed, see var/apt.log"; exit 1; }; \
	  else \
	    echo "Missing system packages:$$missing (install them as root: apt-get install$$missing)"; \
	  fi; \
	fi

# Local settings for plain `manage.py` commands: a random SECRET_KEY, never committed.
.env:
	@$(PY) -c "import secrets; print('SECRET_KEY=' + secrets.token_urlsafe(50))" > .env

migrate: install-serve
	DEBUG=1 $(BIN)/python manage.py migrate --noinput

demo: migrate
	DEBUG=1 $(BIN)/python manage.py seed_demo --if-empty

run: demo
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

# Two pytest workers (pytest-xdist), one test file each at a time: the machine has two cores.
PYTEST_JOBS ?= 2

test: install
	TESTING=1 $(BIN)/pytest -q -n $(PYTEST_JOBS) --dist loadfile --durations=15 $(PYTEST_ARGS)

# The tests of stored files (uploads, photos, ledger PDFs, exports, backups, private media) once
# more with the media in a bucket: a SeaweedFS started for the run on free 127.0.0.1 ports
# (tests/seaweed.py) and stopped after it. The tests marked `s3` (photos in the bucket, presigned
# links, two web processes) already ran in `make test` against a SeaweedFS of their own.
S3_TESTS ?= tests/ledgers/test_private_media.py tests/ledgers/test_record_forms.py tests/review/test_exports.py \
	tests/review/test_export_resume.py tests/test_backup.py tests/test_health.py \
	"tests/ledgers/test_ledger.py::test_download_is_stored_and_served_again_until_a_record_changes" \
	"tests/ledgers/test_ledger.py::test_pdf_fetcher_reads_only_the_font_and_photos" \
	"tests/ledgers/test_ledger.py::test_pdf_download" \
	"tests/review/test_celery_worker.py::test_saving_a_record_has_the_worker_build_the_ledger_pdf" \
	"tests/review/test_duty_reports.py::test_pack_counts_pass_rate_against_target_and_rewards"

test-s3: install
	TESTING=1 $(BIN)/python -m tests.seaweed -- $(BIN)/pytest -q -n $(PYTEST_JOBS) --dist loadfile -m "not s3" \
	  $(S3_TESTS) $(PYTEST_ARGS)

# A SeaweedFS for trying the bucket locally (data in var/seaweed): prints the AWS_* to export
# in another shell before `make run`; Ctrl-C stops it.
s3: $(STAMP)
	$(BIN)/python -m tests.seaweed --dir var/seaweed

lint: install
	$(BIN)/ruff check .

worker: install
	$(BIN)/celery -A wujin_branch worker -l info

# Benchmark, not a test: seeds district scale into PostgreSQL and times the pages.
bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Load test, not a test: 100 logged-in users on gunicorn (3 sync workers, DEBUG off) against
# the bench database, a realistic mix then a trivial view, for LOADTEST_ARGS="--duration 60".
loadtest: install
	$(BIN)/python bench/loadtest.py $(LOADTEST_ARGS)

# Operations, not set-up (README "备份与恢复"): `make backup` writes $(BACKUP_DIR)/<time>/;
# `make restore BACKUP_DIR=var/backups/<time>` restores one such folder (RESTORE_ARGS=--force
# to overwrite a database that is not empty). Settings as for manage.py: DATABASE_URL, MEDIA_ROOT.
BACKUP_DIR ?= var/backups

backup: $(STAMP) .env
	$(BIN)/python manage.py backup "$(BACKUP_DIR)"

restore: $(STAMP) .env
	$(BIN)/python manage.py restore "$(BACKUP_DIR)" $(RESTORE_ARGS)

clean:
	rm -rf $(VENV) var
