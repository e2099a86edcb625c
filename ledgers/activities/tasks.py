from celery import shared_task

from ledgers.activities import integrity


@shared_task(acks_late=True)
def activity_check_integrity(activity_id: int) -> int:
    """Recompute a record's integrity flags. Idempotent, so a redelivery is harmless."""
    return integrity.activity_check_integrity(activity_id=activity_id)
