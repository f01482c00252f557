"""One JavaScript module from the canvas's parts (static/*.js), for pages that cannot load files: the
standalone HTML page inlines it in a single <script type="module">.

The parts are ES modules that import each other by relative path. Each becomes a function scope that returns
its exports, in dependency order, and each `import {a, b as c} from "./x.js"` becomes a destructuring of x's
exports, so the parts keep their own top-level names. Only the forms the parts use are accepted (named
imports from a sibling file; `export` before function, class, const or let); anything else raises, so a part
that starts using another form fails the tests instead of breaking the page.
"""

from __future__ import annotations

import re
from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"

_IMPORT = re.compile(r'^import\s*\{([^}]*)\}\s*from\s*"\./([\w.-]+\.js)";?[ \t]*$', re.M)
_EXPORT = re.compile(r"^export\s+(?:async\s+)?(function\*?|class|const|let)\s+([A-Za-z_$][\w$]*)", re.M)
_UNSUPPORTED = re.compile(r"^\s*(import\b(?!\.meta\b)|export\s+(default|\{|\*))|\bimport\s*\(|\bimport\.meta\b", re.M)


def _scope_name(file: str) -> str:
    return "__lc_" + re.sub(r"\W", "_", file[: -len(".js")])


def _parse_imports(src: str) -> list[tuple[str, str]]:
    """[(file, "{ a, b: c }")]: each named import of a sibling part, as a destructuring pattern."""
    out = []
    for names, file in _IMPORT.findall(src):
        pairs = []
        for item in filter(None, (s.strip() for s in names.split(","))):
            m = re.fullmatch(r"([A-Za-z_$][\w$]*)(?:\s+as\s+([A-Za-z_$][\w$]*))?", item)
            if m is None:
                raise ValueError(f"cannot bundle the import {item!r} from {file}")
            pairs.append(m.group(1) if m.group(2) is None else f"{m.group(1)}: {m.group(2)}")
        out.append((file, "{ " + ", ".join(pairs) + " }"))
    return out


def _module(file: str, folder: Path) -> tuple[str, list[str]]:
    """(the part's code as a scope that returns its exports, the parts it imports)."""
    src = (folder / file).read_text(encoding="utf-8")
    imports = _parse_imports(src)
    rest = _IMPORT.sub("", src)
    bad = _UNSUPPORTED.search(rest)
    if bad is not None:
        raise ValueError(f"{file}: cannot bundle {bad.group(0).strip()!r} (named imports and exports only)")
    names = [name for _, name in _EXPORT.findall(rest)]
    body = _EXPORT.sub(lambda m: m.group(0)[len("export") :].lstrip(), rest)
    head = "".join(f"const {pattern} = {_scope_name(dep)};\n" for dep, pattern in imports)
    tail = f"return {{ {', '.join(names)} }};"
    code = f"// ---- {file}\nconst {_scope_name(file)} = (() => {{\n{head}{body}\n{tail}\n}})();\n"
    return code, [dep for dep, _ in imports]


def bundle(entry: str, folder: Path = STATIC_DIR) -> str:
    """The entry part and every part it imports, directly or not, as the text of one module script."""
    order: list[str] = []
    codes: dict[str, str] = {}
    visiting: list[str] = []

    def visit(file: str) -> None:
        if file in codes:
            return
        if file in visiting:
            raise ValueError(f"import cycle: {' -> '.join([*visiting, file])}")
        visiting.append(file)
        code, deps = _module(file, folder)
        for dep in deps:
            visit(dep)
        visiting.pop()
        codes[file] = code
        order.append(file)

    visit(entry)
    return "".join(codes[f] for f in order)
