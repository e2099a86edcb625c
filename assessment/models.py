"""Rubric, periods, scores and vetoes (see the assessment issue)."""
