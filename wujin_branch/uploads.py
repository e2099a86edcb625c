"""Photos kept across a form that comes back with errors.

A browser cannot put chosen files back into a file input, so a form refused for an empty
topic used to lose the photos picked with it. Now, whenever a form with photo fields is shown
again after a POST, each new file is checked: those that pass are stored as ``PendingUpload``
rows of this user and shown as thumbnails (a ticked box each; untick to leave one out), and
those refused get their message on the field beside the other errors. The next POST sends the
ids back; ``pending_files`` turns them into files again, which go to the service with the new
ones. They are deleted once the form is saved, or after a day (``kernel.tidy``).
"""

import datetime

from django.core.files.base import File
from django.db import transaction
from django.utils import timezone

from wujin_branch import images
from wujin_branch.errors import DomainError
from wujin_branch.models import PendingUpload

KEEP_FOR = datetime.timedelta(days=1)
MAX_KEPT = 20  # per field and form: more than any record may hold


def posted_name(field):
    return f"pending_{field}"


def pending(request, field) -> list[PendingUpload]:
    """The kept photos the form sent back (still ticked), this user's only, not expired."""
    ids = [int(x) for x in request.POST.getlist(posted_name(field)) if x.isdigit()]
    if not ids or not request.user.is_authenticated:
        return []
    return list(
        PendingUpload.objects.filter(
            pk__in=ids[:MAX_KEPT], user=request.user, field=field, created_at__gte=timezone.now() - KEEP_FOR
        )
    )


def pending_files(rows) -> list[File]:
    """Kept photos as files for a service, like fresh uploads (name, size, read, seek)."""
    out = []
    for row in rows:
        f = File(row.file.open("rb"), name=row.name)
        f.size = row.size
        out.append(f)
    return out


def keep(request, form, field, kept) -> list[PendingUpload]:
    """On a form shown again after a POST: keep the new files of ``field`` that pass the photo
    checks and put each refusal on the field. Returns what the form shows: ``kept`` (sent back
    ticked) and the newly kept."""
    rows = list(kept)
    shown = set(form.errors.get(field, [])) if field in form.fields else set()
    for upload in request.FILES.getlist(field):
        try:
            p = images.check_and_process(upload)
        except DomainError as e:
            if e.message not in shown and field in form.fields:
                form.add_error(field, e.message)
                shown.add(e.message)
            continue
        if len(rows) >= MAX_KEPT:
            break
        row = PendingUpload(user=request.user, field=field, name=p.name[:200], size=p.original.size)
        row.file.save(p.original.name, p.original, save=False)
        row.thumb.save(p.thumb.name, p.thumb, save=False)
        row.save()
        rows.append(row)
    return rows


def discard(rows) -> None:
    """After the form was saved: the kept photos are stored with the record now."""
    rows = list(rows)
    if rows:
        transaction.on_commit(lambda: delete(rows))


def delete(rows) -> int:
    n = 0
    for row in rows:
        for f in (row.file, row.thumb):
            if f:
                f.delete(save=False)
        row.delete()
        n += 1
    return n


def tidy(now=None) -> int:
    """Delete kept photos older than a day, with their files."""
    old = PendingUpload.objects.filter(created_at__lt=(now or timezone.now()) - KEEP_FOR)
    return delete(old.iterator())


def thumb_view(request, pk):
    """The thumbnail of a kept photo, to the user who chose it only."""
    from django.contrib.auth.views import redirect_to_login
    from django.http import Http404

    from wujin_branch.storage import stored_response

    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    row = PendingUpload.objects.filter(pk=pk, user=request.user).first()
    if row is None or not row.thumb:
        raise Http404("找不到该照片")
    return stored_response(row.thumb, content_type="image/jpeg")
