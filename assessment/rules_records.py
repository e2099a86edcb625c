"""Suggestion rules for the rubric items other than the activity frequencies.

Each registers itself with ``@rule(key, description)`` (see ``rules.py``)."""
