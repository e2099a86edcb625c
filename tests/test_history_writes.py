"""Writes to history-tracked models go through ``save()`` or ``bulk_*_with_history``:
``queryset.update()`` records nothing in the history a reviewer relies on (STYLE.md: Audit;
issue 11, point 5). This test reads the production sources and fails on any
``<TrackedModel>.objects….update(…)``, also through a variable holding such a queryset.

Demo writers (which backdate history rows on purpose) and migrations are not production code.
"""

import ast
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["wujin_branch", "branches", "ledgers", "assessment", "review"]
MANAGERS = {"objects", "_default_manager"}


def tracked_models() -> set[str]:
    return {m.__name__ for m in apps.get_models() if hasattr(m._meta, "simple_history_manager_attribute")}


def production_files():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "migrations" in parts or any("demo" in p for p in parts):
                continue
            yield path


def _root_model(node, aliases):
    """The model whose manager starts the chain ``node`` (``X.objects.filter(...)...``), if any."""
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            if node.attr in MANAGERS and isinstance(node.value, ast.Name):
                return node.value.id
            node = node.value
        elif isinstance(node, ast.Subscript):  # qs[:10]
            node = node.value
        elif isinstance(node, ast.Name):
            return aliases.get(node.id)
        else:
            return None


class _Finder(ast.NodeVisitor):
    def __init__(self, tracked):
        self.tracked, self.found, self.scopes = tracked, [], [{}]

    def _scoped(self, node):
        self.scopes.append({})
        self.generic_visit(node)
        self.scopes.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _scoped

    def visit_Assign(self, node):
        self.generic_visit(node)
        model = _root_model(node.value, self.scopes[-1])
        for target in node.targets:
            if isinstance(target, ast.Name):
                if model:
                    self.scopes[-1][target.id] = model
                else:
                    self.scopes[-1].pop(target.id, None)

    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, ast.Attribute) and node.func.attr == "update":
            model = _root_model(node.func.value, self.scopes[-1])
            if model in self.tracked:
                self.found.append((node.lineno, model))


def queryset_updates(source: str, tracked: set[str]) -> list[tuple[int, str]]:
    finder = _Finder(tracked)
    finder.visit(ast.parse(source))
    return finder.found


def test_the_scan_finds_what_it_is_for():
    tracked = {"Assessment"}
    src = """
def f(pk, ids):
    Assessment.objects.filter(pk=pk).update(has_veto=True)
    qs = Assessment.objects.filter(pk__in=ids)
    qs.exclude(status="x").update(has_veto=False)
    Job.objects.filter(pk=pk).update(done=1)
    Assessment.history.filter(id=pk).update(history_date=None)
    data.update(x=1)
"""
    assert queryset_updates(src, tracked) == [(3, "Assessment"), (5, "Assessment")]


def test_no_queryset_update_on_history_tracked_models():
    tracked = tracked_models()
    assert {"Assessment", "PartyGroup", "Member", "Activity"} <= tracked  # the registry is read correctly
    offenders = [
        f"{path.relative_to(ROOT)}:{line} {model}.objects….update()"
        for path in production_files()
        for line, model in queryset_updates(path.read_text(), tracked)
    ]
    assert offenders == [], "write through save() or bulk_update_with_history:\n" + "\n".join(offenders)
