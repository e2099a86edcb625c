"""Fragments of a branch's pages, rendered once and kept until the branch's data changes.

The key is made of the branch's version token (changed by database triggers whenever a row of
the branch changes, ``wujin_branch.branch_versions``), the organizations' and the periods'
tokens (names of other organizations and periods that the fragment shows), what the page was
asked with and who looks (their rights on the branch), read before the data itself: the next
request after a change misses and renders afresh, whatever service made the change. Where the
database keeps no branch tokens (SQLite) nothing is cached. A cache that fails costs a fresh
render, never the page.
"""

from django.utils.safestring import mark_safe

from wujin_branch import branch_versions, versions


def fragment(name: str, branch_id: int, parts: tuple, render) -> str:
    """The HTML ``render()`` gives for this branch, from the cache while its data is unchanged."""
    return mark_safe(_cached(name, (branch_versions.key(branch_id),), (int(branch_id), *parts), lambda: str(render())))


def tree_fragment(name: str, parts: tuple, render) -> str:
    """The HTML ``render()`` gives from counts over the organization tree (members, branches,
    terms and seats anywhere), from the cache while none of them changed."""
    return mark_safe(_cached(name, (branch_versions.TREE,), parts, lambda: str(render())))


def tree_value(name: str, parts: tuple, compute):
    """A value computed over the organization tree (a count), kept like ``tree_fragment``."""
    return _cached(name, (branch_versions.TREE,), parts, compute)


def _cached(name, keys, parts, compute):
    if not branch_versions.enabled():
        return compute()
    return versions.cached("branch-page", (*keys, versions.ORGS, branch_versions.PERIODS), (name, *parts), compute)
