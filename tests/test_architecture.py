"""The house rules, read from the source (STYLE.md): imports go one way — the kernel
(``wujin_branch``) imports no app, then branches ← ledgers ← assessment ← review; nobody
imports another module's ``_private`` name; production modules stay near 500 lines."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = {"wujin_branch": 0, "branches": 1, "ledgers": 2, "assessment": 3, "review": 4}
MAX_LINES = 520


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(source: str, module: str, is_package: bool = False):
    """(imported module, imported names) for every import in ``source``, relative ones resolved."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield target, [a.name for a in node.names]


def violations(source: str, module: str, is_package: bool = False) -> list[str]:
    """What breaks the rules in one module's source."""
    own = LAYERS[module.split(".")[0]]
    found = []
    for target, names in imports_of(source, module, is_package):
        top = target.split(".")[0]
        if top in LAYERS and LAYERS[top] > own:
            found.append(f"{module} imports upward: {target}")
        for name in names:
            if name.startswith("_") and not name.startswith("__") and target != module:
                found.append(f"{module} imports a private name: {target}.{name}")
    return found


def production_modules():
    for app in LAYERS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_the_checker_catches_what_it_must():
    assert violations("from review.models import Notice\n", "branches.selectors")
    assert violations("def f():\n    from assessment import services\n", "ledgers.dues.grid")
    assert violations("import review.models\n", "wujin_branch.pages")
    assert violations("from ledgers.activities.services import _require\n", "ledgers.activities.returns")
    assert violations("from ._helpers import x\n", "ledgers.dues.grid") == []  # a private module is fine
    assert violations("from .services import _x\n", "ledgers.dues.grid")
    assert violations("from branches.models import Member\nfrom wujin_branch.errors import DomainError\n",
                      "ledgers.dues.grid") == []  # fmt: skip


def test_imports_go_one_way_and_no_private_names_cross_modules():
    found = []
    for path in production_modules():
        found += violations(path.read_text(), module_name(path), path.name == "__init__.py")
    assert found == []


def test_production_modules_stay_small():
    big = {}
    for path in production_modules():
        n = len(path.read_text().splitlines())
        if n > MAX_LINES:
            big[str(path.relative_to(ROOT))] = n
    assert big == {}, "split by subject (STYLE.md: ~500 lines a module)"


# Stored files are reached through the Storage API only (STYLE.md, README「对象存储」): a path
# of a stored file exists on one machine and not in a bucket. The storage backends themselves
# (wujin_branch/media.py) are the one place that may know about folders.
LOCAL_PATH_OF_STORED_FILE = re.compile(
    r"(storage|\.file|\.display|\.original|\.thumb|\.result|\.receipt|\.material)\.path\("
    r"|private_storage\.location|os\.replace\(|file://"
)
MAY_USE_LOCAL_PATHS = {"wujin_branch/media.py", "wujin_branch/fonts.py"}  # the backend; the built font


def test_stored_files_are_reached_through_the_storage_only():
    assert LOCAL_PATH_OF_STORED_FILE.search("Path(private_storage.path(name))")
    assert LOCAL_PATH_OF_STORED_FILE.search("photo.display.path(")
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in production_modules()
        if str(path.relative_to(ROOT)) not in MAY_USE_LOCAL_PATHS
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if LOCAL_PATH_OF_STORED_FILE.search(line)
    ]
    assert found == []


def test_models_and_migrations_agree(db):
    """No model change without its migration (and none that records this machine's folders)."""
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
