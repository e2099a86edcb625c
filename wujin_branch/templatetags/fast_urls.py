"""``{{ "member_detail"|url_for:m.pk }}``: ``{% url 'member_detail' m.pk %}`` without reversing
the URL each time (``wujin_branch.render.url_pattern``), for pages with many links; with no
argument, a URL without arguments."""

from django import template

from wujin_branch.render import url_pattern

register = template.Library()

_NONE = object()


@register.filter
def url_for(name, pk=_NONE):
    if pk is _NONE:
        return url_pattern(name, 0)
    return url_pattern(name).format(int(pk))
