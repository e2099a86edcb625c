"""Activity records, member and support ledgers (see the activity-records and ledgers issues)."""
