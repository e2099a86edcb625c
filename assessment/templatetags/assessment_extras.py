from django import template

register = template.Library()


@register.simple_tag
def posted_or(posted, item_id, index, default):
    """The value the user typed (after a refused save) or the stored one."""
    if item_id in posted:
        return posted[item_id][index]
    if default is None:
        return ""
    if hasattr(default, "normalize"):
        return format(default.normalize(), "f")
    return default


@register.simple_tag
def returned_assessment(branch):
    """The branch's assessment sent back for changes, if any (its page shows it first)."""
    from assessment.models import Assessment, AssessmentStatus

    qs = Assessment.objects.filter(branch=branch, status=AssessmentStatus.RETURNED).select_related("period")
    return qs.order_by("-period__year").first()
