"""View helpers shared by the ledgers subjects (photo fields, the branch a page may write to)."""

from django.http import Http404
from django.urls import reverse

from branches import selectors as org_selectors
from branches.permissions import Action, can

# No ``capture``: with it many phones open the camera directly and earlier photos in the album
# cannot be chosen; without it the phone offers both.
PHOTO_WIDGET_ATTRS = {"accept": "image/*"}
PHOTO_HELP = "可直接拍照或从相册选择（JPG/PNG/WebP，单张不超过 15 MB）"


def removed_photo_ids(request):
    return [int(x) for x in request.POST.getlist("remove_photo") if x.isdigit()]


def writable_branch(request, pk):
    branch = org_selectors.get_branch_for_user(request.user, pk, Action.EDIT)
    if not branch.is_active:
        raise Http404("该支部已撤销或撤并")
    return branch


def can_edit(request, branch):
    return branch.is_active and can(request.user, Action.EDIT, branch)


def at_year(name, branch, year):
    """The URL of a branch page at a given year (``?year=``)."""
    return f"{reverse(name, args=[branch.pk])}?year={year}"
