from django import template
from django.utils.html import escape, format_html_join
from django.utils.safestring import mark_safe

from branches.flow_models import FlowDirection
from wujin_branch.render import date_text_for_rows, pk_url

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "")


@register.filter
def yuan(fen):
    """Integer 分 → "1,234.50" (yuan with two decimals)."""
    if fen is None or fen == "":
        return ""
    fen = int(fen)
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"


FLOW_LABELS = dict(FlowDirection.choices)

# (attribute, label or None for the flow direction's own name, badge class), in the order shown;
# ``flow_direction`` is annotated by the selectors (``branches.selectors.with_flow_direction``)
MEMBER_FLAGS = [
    ("flow_direction", None, "info"),
    ("is_district_cadre", "区管干部", "ok"),
    ("is_kongua", "空挂", "warning"),
    ("is_lost", "失联", "danger"),
    ("is_hardship", "困难", "warning"),
    ("is_pre_1949", "建国前老党员", "ok"),
]


@register.filter
def member_flags(m):
    """A member's badges (流动, 空挂, 失联, 困难, 建国前老党员) in one call: a filter, not an
    ``{% include %}`` per row, because the roster lists up to 200 members on the busiest page."""
    shown = []
    for attr, label, level in MEMBER_FLAGS:
        value = getattr(m, attr, None)
        if value:
            text = label or FLOW_LABELS.get(value, "流动")
            shown.append((level, text))
    return format_html_join(" ", '<span class="badge {}">{}</span>', shown)


ROSTER_ROW = (
    '<tr><td><a href="{}">{}</a></td><td>{}</td><td class="hide-sm">{}</td><td class="hide-sm">{}</td>'
    "<td>{}</td></tr>"
)
_BADGE = '<span class="badge {}">{}</span>'


def _flags_html(m):
    """``member_flags`` as a plain string (labels and classes are ours, nothing to escape)."""
    shown = []
    for attr, label, level in MEMBER_FLAGS:
        value = getattr(m, attr, None)
        if value:
            shown.append(_BADGE.format(level, label or escape(FLOW_LABELS.get(value, "流动"))))
    return " ".join(shown)


@register.simple_tag
def roster_rows(members):
    """The branch page's roster (up to 200 rows, the secretary's home) as table rows in one
    call: the member URL reversed once, dates formatted without the template engine, the
    member's own text escaped with ``escape`` (``format_html`` per row cost more than the
    rest of the row). The rows are ``branches.selectors.RosterRow``."""
    url, day = pk_url("member_detail"), date_text_for_rows()
    return mark_safe("".join(
        ROSTER_ROW.format(url(m.pk), escape(m.name), escape(m.get_status_display()), escape(m.group_name or ""),
                          day(m.joined_on), _flags_html(m))
        for m in members
    ))  # fmt: skip
