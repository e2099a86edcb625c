"""Review workflow, 公示 and exports (see the review issue)."""
