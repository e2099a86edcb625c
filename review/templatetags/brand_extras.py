"""The branch page's 党建品牌 and 观摩交流 card (the branch page belongs to an app below review)."""

from django import template

register = template.Library()


@register.simple_tag
def branch_brand_card(branch):
    """The branch's live brand and the 观摩/座谈 it hosted (four queries)."""
    from review.brands import live_brand_of
    from review.exchanges import exchanges_hosted_by

    return {"brand": live_brand_of(branch), "exchanges": exchanges_hosted_by(branch)}
