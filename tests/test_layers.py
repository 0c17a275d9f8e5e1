"""The import structure, read from the source (ast), so a wrong import fails here and not in
review: no import cycle between modules; parsers and replies never import bot; parsers never
imports replies; in bot each stage imports only itself and the stages below it (config < mail
< store < intake < staff < web < commands), `bot.errors` is for all, and nothing imports
`bot.commands`. No folder holds more than 15 modules."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "parsers", "replies")
BOT_FLOORS = ("config", "mail", "store", "intake", "staff", "web", "commands")
FOR_ALL = "bot.errors"
ENTRY = "bot.__main__"  # `python -m bot`: the command line's own door
MAX_MODULES_PER_FOLDER = 15


@dataclass(frozen=True)
class Import:
    source: str
    target: str
    line: int
    runs: bool  # False under `if TYPE_CHECKING:`, read by mypy only


def modules(root: Path, packages: tuple[str, ...] = PACKAGES) -> dict[str, Path]:
    """Dotted name → file of every module in `packages` under `root`."""
    found: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _resolve(name: str, node: ast.ImportFrom, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = name.split(".")
    base = base[:len(base) - node.level + (1 if is_package else 0)]
    return ".".join(base + ([node.module] if node.module else []))


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _walk(node: ast.AST, runs: bool) -> Iterator[tuple[ast.AST, bool]]:
    for child in ast.iter_child_nodes(node):
        yield child, runs
        yield from _walk(child, runs and not (isinstance(child, ast.If)
                                              and _is_type_checking(child)))


def imports(known: dict[str, Path]) -> list[Import]:
    """Every import of one known module by another, with where it is."""
    found: list[Import] = []
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node, now in _walk(tree, True):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                module = _resolve(name, node, path.name == "__init__.py")
                targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in known else module
                           for a in node.names]
            for target in targets:
                while target and target not in known:  # `import a.b.c` names module a.b.c
                    target = target.rpartition(".")[0]
                if target and target != name:
                    found.append(Import(name, target, node.lineno, now))
    return found


def _floor(module: str) -> str:
    parts = module.split(".")
    if parts[0] != "bot":
        return parts[0]
    if module in (FOR_ALL, ENTRY) or len(parts) == 1:
        return module
    return parts[1]


def layer_violations(found: list[Import]) -> list[str]:
    wrong: list[str] = []
    for imp in found:
        src, dst = _floor(imp.source), _floor(imp.target)
        why = None
        if src in ("parsers", "replies") and dst not in ("parsers", "replies"):
            why = f"{src} never imports bot"
        elif src == "parsers" and dst == "replies":
            why = "parsers never imports replies"
        elif dst == "commands" and src not in ("commands", ENTRY):
            why = "nothing imports bot.commands"
        elif src == FOR_ALL and imp.target.startswith("bot"):
            why = "bot.errors imports nothing of bot"
        elif src in BOT_FLOORS and dst in BOT_FLOORS and (
                BOT_FLOORS.index(dst) > BOT_FLOORS.index(src)):
            why = f"bot.{src} may not import the stage above it, bot.{dst}"
        elif src in BOT_FLOORS and dst == "bot":
            why = "the bot package root is no stage"
        if why:
            wrong.append(f"{imp.source}:{imp.line} imports {imp.target}: {why}")
    return wrong


def cycles(found: list[Import]) -> list[list[str]]:
    """Strongly connected groups of modules (Tarjan) over every import that runs, inside a
    function too: one made late to dodge a cycle is still a cycle."""
    graph: dict[str, set[str]] = {}
    for imp in found:
        if imp.runs:
            graph.setdefault(imp.source, set()).add(imp.target)
            graph.setdefault(imp.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)


def crowded_folders(known: dict[str, Path]) -> list[str]:
    counts: dict[Path, int] = {}
    for path in known.values():
        if path.name != "__init__.py":
            counts[path.parent] = counts.get(path.parent, 0) + 1
    return [f"{folder.relative_to(REPO) if folder.is_relative_to(REPO) else folder}: {n}"
            for folder, n in sorted(counts.items()) if n > MAX_MODULES_PER_FOLDER]


@pytest.fixture(scope="module")
def product() -> tuple[dict[str, Path], list[Import]]:
    known = modules(REPO)
    return known, imports(known)


def test_the_graph_is_read(product: tuple[dict[str, Path], list[Import]]) -> None:
    known, found = product
    assert {"bot.intake.judge", "parsers.form.parse", "replies.render"} <= set(known)
    edges = {Import(i.source, i.target, 25, i.runs) for i in found}
    assert Import("bot.intake.daemon", "bot.intake.cycle", 25, True) in edges
    assert Import("bot.intake.cycle", "bot.intake.judge", 25, False) in edges  # typing only
    assert Import("bot.intake.service", "bot.intake.judge", 25, True) in edges  # made late


def test_no_import_cycle(product: tuple[dict[str, Path], list[Import]]) -> None:
    assert cycles(product[1]) == []


def test_every_import_goes_down_the_floors(
        product: tuple[dict[str, Path], list[Import]]) -> None:
    assert layer_violations(product[1]) == []


def test_no_folder_over_15_modules(product: tuple[dict[str, Path], list[Import]]) -> None:
    assert crowded_folders(product[0]) == []


def test_the_checks_catch_what_they_are_for(tmp_path: Path) -> None:
    files = {
        "bot/__init__.py": "",
        "bot/errors.py": "from bot.store import db\n",
        "bot/store/__init__.py": "",
        "bot/store/db.py": "from bot.intake import cycle\nimport bot.errors\n",
        "bot/intake/__init__.py": "",
        "bot/intake/cycle.py": "from . import steps\nfrom typing import TYPE_CHECKING\n"
                               "if TYPE_CHECKING:\n    from bot.commands import cli\n",
        "bot/intake/steps.py": "from .cycle import run\n",
        "bot/commands/__init__.py": "",
        "bot/commands/cli.py": "def main():\n    from bot.store import db\n",
        "parsers/__init__.py": "",
        "parsers/form.py": "def late():\n    import replies.render\nfrom bot.store.db import x\n",
        "replies/__init__.py": "",
        "replies/render.py": "from parsers import form\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    for n in range(15):  # with render.py, 16 modules: one too many
        (tmp_path / "replies" / f"m{n}.py").write_text("", encoding="utf-8")
    known = modules(tmp_path)
    found = imports(known)
    assert cycles(found) == [["bot.errors", "bot.store.db"],
                             ["bot.intake.cycle", "bot.intake.steps"],
                             ["parsers.form", "replies.render"]]
    assert layer_violations(found) == [
        "bot.errors:1 imports bot.store.db: bot.errors imports nothing of bot",
        "bot.intake.cycle:4 imports bot.commands.cli: nothing imports bot.commands",
        "bot.store.db:1 imports bot.intake.cycle: bot.store may not import the stage above "
        "it, bot.intake",
        "parsers.form:2 imports replies.render: parsers never imports replies",
        "parsers.form:3 imports bot.store.db: parsers never imports bot",
    ]
    assert crowded_folders(known) == [f"{tmp_path / 'replies'}: 16"]
