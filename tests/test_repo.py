"""Promises about the repository itself: the library stays UI-free and CI runs the README's test command."""

import ast
import graphlib
import re
import subprocess
import sys

from conftest import ROOT


def test_vae_core_does_not_import_streamlit():
    # Every submodule, found by pkgutil (a new module is covered without editing this list).
    code = (
        "import importlib, pkgutil, sys, vae_core\n"
        "names = [m.name for m in pkgutil.walk_packages(vae_core.__path__, 'vae_core.')]\n"
        "for name in names: importlib.import_module(name)\n"
        "print(len(names), 'streamlit' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    count, imported = out.stdout.split()
    assert int(count) >= 20 and imported == "False"


def test_importing_vae_core_does_no_work():
    # Nothing happens at import time: importing the package must not pull torch or load data.
    out = subprocess.run(
        [sys.executable, "-c", "import sys, vae_core; print('torch' in sys.modules)"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "False"


def _readme_command(title: str) -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split(title, 1)[1]
    return re.search(r"```(?:bash|sh)?\n(.+?)\n```", section, re.S).group(1).strip()


def test_ci_runs_the_readme_test_command():
    cmd = _readme_command("Run the tests")
    ci = (ROOT / ".ci" / "run").read_text()
    assert cmd in ci.splitlines(), f"{cmd!r} not in .ci/run"


def test_readme_run_command_starts_the_app():
    cmd = _readme_command("Run the app")
    assert "requirements.txt" in cmd and "streamlit run app.py" in cmd


def test_requirements_pin_torch_2_13():
    reqs = (ROOT / "requirements.txt").read_text().splitlines()
    assert "torch==2.13.0" in reqs
    assert all("==" in r for r in reqs if r and not r.startswith("#")), "every runtime requirement is pinned"


def test_shipped_models_fit_the_budget():
    files = list((ROOT / "models").glob("*.safetensors"))
    assert files, "models/ ships checkpoints"
    assert sum(f.stat().st_size for f in files) <= 25 * 1024 * 1024


def _vae_core_imports() -> dict[str, set[str]]:
    """Each vae_core module -> the vae_core modules it imports, at the top or inside a function alike (an import
    deferred into a function still makes a circle; it only hides it until the function runs)."""
    pkg = ROOT / "vae_core"
    modules = {
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p for p in pkg.rglob("*.py")
    }
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        is_pkg = path.name == "__init__.py"
        here = name.split(".") if is_pkg else name.split(".")[:-1]
        deps = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(here[: len(here) - node.level + 1] + ([base] if base else []))
                targets = [base] + [f"{base}.{a.name}" for a in node.names]
            else:
                continue
            deps |= {t for t in targets if t in modules and t != name}
        graph[name] = deps
    return graph


def test_vae_core_has_no_import_circle():
    graph = _vae_core_imports()
    assert "vae_core.checks" in graph and "vae_core.model" in graph["vae_core.model_checks"]
    # A package's __init__ re-exports its modules; importing it from a submodule is the usual Python pattern
    # and not a circle between concepts, so the edges into a package's own __init__ are left out.
    edges = {m: {d for d in deps if not m.startswith(d + ".")} for m, deps in graph.items()}
    try:
        tuple(graphlib.TopologicalSorter(edges).static_order())
    except graphlib.CycleError as e:
        raise AssertionError(f"import circle in vae_core: {' -> '.join(e.args[1])}") from None


MAX_MODULE_LINES = 360


def test_no_module_is_longer_than_about_350_lines():
    # One concept per module: a module past ~350 lines is doing two things; split it where the concepts part.
    files = [p for d in ("vae_core", "ui", "app_pages") for p in (ROOT / d).rglob("*.py")]
    assert len(files) > 50
    long = {str(p.relative_to(ROOT)): n for p in files if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"


def test_session_state_keys_are_named_in_one_module():
    """ui/ and app_pages/ read and write session state through the names in ui/keys.py, never a literal."""
    import re

    literal = re.compile(r"session_state(\[|\.get\(|\.pop\(|\.setdefault\()\s*f?[\"']")
    found = [
        f"{p.relative_to(ROOT)}:{i}"
        for d in ("ui", "app_pages")
        for p in sorted((ROOT / d).rglob("*.py"))
        for i, line in enumerate(p.read_text().splitlines(), 1)
        if literal.search(line)
    ]
    found += [
        f"app.py:{i}" for i, line in enumerate((ROOT / "app.py").read_text().splitlines(), 1) if literal.search(line)
    ]
    assert not found, found
