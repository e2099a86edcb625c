from django.http import Http404


def not_yet(request, *args, **kwargs):
    """A page whose area is still being built."""
    raise Http404("建设中")
