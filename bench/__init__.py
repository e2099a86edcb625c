"""Benchmarks, not tests: ``run`` times pages at district scale through Django's test client,
``loadtest`` puts 100 logged-in users on a real gunicorn. Speed is measured here only."""
