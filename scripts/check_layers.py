#!/usr/bin/env python3
"""Checks akl's structure (docs/architecture.md, "Layers"); registered as the ctest test `layers`.

1. No include cycles between source units. A unit is a path without its extension, so foo.c and
   foo.h are one node ("foo.c includes bar.h and bar.c includes foo.h" is a cycle). A header under
   src/ also belongs to every .c that defines a function it declares: a shared internal header
   that declares functions of several .c files makes each of them depend on the others.
2. No include that goes up a layer, or sideways between components of one layer.
3. No source file compiled by path from a CMake file outside its own directory (link the
   component's library instead), and no source listed by two CMake files.
4. Names: `akl_` is libakl's public prefix (include/akl/akl.h). A function defined in src/loader
   with it must be declared there (the loader's internals use `ldr_`), and no static function
   outside the component that owns a public prefix is named with it.
5. A comment's closer stands on its last line, not alone (clang-format does not fix that).
6. Tests mirror the source tree: every component (src/<name>/, src/sim/<part>/, bench/,
   examples/) has its tests/<same path>/ holding a test program or a registration.

Usage: check_layers.py [root]   (prints each problem, then a summary; exit status 1 if any)."""
import glob
import os
import re
import sys

LAYERS = [  # (path prefix, layer); the longest matching prefix wins
    ("include/", 0),
    ("src/common/", 1),
    ("src/dispatcher/", 2), ("src/collector/", 2), ("src/loader/", 2), ("src/sim/", 2),
    ("src/cli/", 3), ("bench/", 3), ("examples/", 3),
]
# Public prefixes and the directory that owns each (statics elsewhere must not borrow them).
PUBLIC_PREFIXES = [("akl_", "src/loader/"), ("aclsim_", "src/sim/host/")]
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
NOT_FUNCTIONS = {"if", "for", "while", "switch", "return", "sizeof", "__attribute__",
                 "__typeof__", "typeof", "_Static_assert", "static_assert", "defined"}


def layer_of(path):
    best = None
    for prefix, layer in LAYERS:
        if path.startswith(prefix) and (best is None or len(prefix) > len(best[0])):
            best = (prefix, layer)
    return best


def component_of(path):
    parts = path.split("/")
    if parts[0] == "src" and len(parts) > 2:
        if parts[1] == "sim" and len(parts) > 3:
            return "/".join(parts[:3])
        return "/".join(parts[:2])
    return parts[0]


def strip_c(text):
    """Text without comments, string and character literals and preprocessor lines."""
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    text = re.sub(r'//[^\n]*', ' ', text)
    text = re.sub(r'"(\\.|[^"\\\n])*"', '""', text)
    text = re.sub(r"'(\\.|[^'\\\n])*'", "''", text)
    text = re.sub(r'^\s*#(?:[^\n]*\\\n)*[^\n]*', ' ', text, flags=re.M)
    return re.sub(r'\bextern\s*""\s*\{', ' ', text)  # C++ linkage blocks hold declarations


def top_level_statements(text):
    """(statement text, terminator) at brace depth 0: terminator is ';' or '{'."""
    depth, start, out = 0, 0, []
    for i, ch in enumerate(text):
        if ch == '{':
            if depth == 0:
                out.append((text[start:i], '{'))
            depth += 1
        elif ch == '}':
            depth = max(depth - 1, 0)
            if depth == 0:
                start = i + 1
        elif ch == ';' and depth == 0:
            out.append((text[start:i], ';'))
            start = i + 1
    return out


def function_name(statement):
    """The name a declaration or definition statement gives a function, else None."""
    s = statement.strip()
    if not s or s.startswith(("typedef", "struct", "enum", "union")) and "(" not in s.split("{")[0]:
        return None
    if s.startswith("typedef"):
        return None
    for m in re.finditer(r'\b([A-Za-z_]\w*)\s*\(', s):
        if m.group(1) not in NOT_FUNCTIONS:
            before = s[:m.start()].strip()
            if not before or before.endswith(("=", ",")):
                return None
            return m.group(1)
    return None


def functions(text, header):
    """Names of functions a header declares, or a .c defines (static ones apart)."""
    public, static = set(), set()
    for stmt, term in top_level_statements(strip_c(text)):
        if (term == ';') != header:
            continue
        name = function_name(stmt)
        if name and ")" in stmt:
            (static if re.match(r'\s*static\b', stmt) else public).add(name)
    return public, static


def cmake_sources(root, fileset):
    """{source: [cmake file, ...]} for every src/ .c a CMake file names, variables expanded."""
    refs = {}
    cmake_files = [os.path.join(d, f) for d, _, names in os.walk(root)
                   for f in names if f == "CMakeLists.txt" or f.endswith(".cmake")]
    for path in sorted(cmake_files):
        rel = os.path.relpath(path, root)
        if rel.startswith(("build", ".git")) or "/build" in rel:
            continue
        here = os.path.dirname(path)
        with open(path, encoding="utf-8", errors="replace") as fh:
            text = re.sub(r'#[^\n]*', '', fh.read())
        variables = {}

        def expand(token):
            token = token.replace("${PROJECT_SOURCE_DIR}", root).replace("${CMAKE_SOURCE_DIR}", root)
            token = token.replace("${CMAKE_CURRENT_SOURCE_DIR}", here)
            return token

        for cmd, args in re.findall(r'\b(\w+)\s*\(((?:[^()]|\([^()]*\))*)\)', text):
            tokens = args.split()
            if cmd == "set" and tokens:
                variables[tokens[0]] = [expand(t) for t in tokens[1:]]
                tokens = tokens[1:]  # and what it lists counts as named here
            if cmd == "file" and len(tokens) > 2 and tokens[0] in ("GLOB", "GLOB_RECURSE"):
                found = []
                for t in tokens[2:]:
                    if t != "CONFIGURE_DEPENDS":
                        found += sorted(glob.glob(expand(t)))
                variables[tokens[1]] = found
            if cmd != "file":
                for t in tokens:
                    m = re.fullmatch(r'\$\{(\w+)\}', t)
                    for cand in variables.get(m.group(1), []) if m else [expand(t)]:
                        full = os.path.normpath(cand if os.path.isabs(cand) else os.path.join(here, cand))
                        src = os.path.relpath(full, root)
                        if src in fileset and src.endswith(".c") and src.startswith("src/"):
                            refs.setdefault(src, set()).add(rel)
    return refs


def untested_components(root, files):
    """Components (as component_of names them) with no tests/<component>/ holding a test."""
    missing = []
    for comp in sorted({component_of(f) for f in files}):
        if not comp.startswith(("src/", "bench", "examples")):
            continue
        tests = os.path.join(root, "tests", comp[len("src/"):] if comp.startswith("src/") else comp)
        names = os.listdir(tests) if os.path.isdir(tests) else []
        if not any(n.startswith("test_") or n.endswith(".cmake") for n in names):
            missing.append((comp, os.path.relpath(tests, root)))
    return missing


def main(root):
    root = os.path.abspath(root)
    files = []
    for top in ("include", "src", "bench", "examples"):
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            for n in names:
                if n.endswith((".c", ".h")):
                    files.append(os.path.relpath(os.path.join(dirpath, n), root))
    files.sort()
    by_base = {}
    for f in files:
        by_base.setdefault(os.path.basename(f), []).append(f)
    fileset = set(files)
    texts = {}
    for f in files:
        with open(os.path.join(root, f), encoding="utf-8", errors="replace") as fh:
            texts[f] = fh.read()

    def resolve(src, kind, name):
        local = os.path.normpath(os.path.join(os.path.dirname(src), name))
        if kind == '"' and local in fileset:
            return local
        inc = os.path.normpath(os.path.join("include", name))
        if inc in fileset:
            return inc
        for top in ("src/", ""):
            cand = os.path.normpath(top + name)
            if cand in fileset:
                return cand
        if kind == '"' and len(by_base.get(os.path.basename(name), [])) == 1:
            return by_base[os.path.basename(name)][0]
        return None

    # Which .c units define each function, for headers that declare other files' functions.
    definers, statics = {}, {}
    for f in files:
        if f.endswith(".c"):
            public, static = functions(texts[f], header=False)
            for name in public:
                definers.setdefault(name, set()).add(os.path.splitext(f)[0])
            statics[f] = static

    def owners(header):
        own = {os.path.splitext(header)[0]}
        if header.startswith("src/"):
            declared, _ = functions(texts[header], header=True)
            for name in declared:
                own |= definers.get(name, set())
        return own

    edges = {}
    problems = []
    for f in files:
        u = os.path.splitext(f)[0]
        for kind, name in INCLUDE_RE.findall(texts[f]):
            target = resolve(f, kind, name)
            if target is None:
                continue
            for v in owners(target) if target.endswith(".h") else {os.path.splitext(target)[0]}:
                if v != u:
                    edges.setdefault(u, set()).add(v)
            lf, lt = layer_of(f), layer_of(target)
            if lf and lt:
                if lt[1] > lf[1]:
                    problems.append(f"upward include: {f} (layer {lf[1]}) includes {target} (layer {lt[1]})")
                elif lt[1] == lf[1] == 2 and component_of(f) != component_of(target) and \
                        component_of(f).split("/")[:2] != component_of(target).split("/")[:2]:
                    problems.append(f"sideways include: {f} includes {target}")
    cycles = find_cycles(edges)
    for comp in cycles:
        shared = sorted(h for h in files if h.endswith(".h") and len(owners(h) & set(comp)) > 1
                        and owners(h) - {os.path.splitext(h)[0]})
        why = f" (shared headers: {', '.join(shared)})" if shared else ""
        problems.append("include cycle: " + " <-> ".join(comp) + why)
    for src, where in sorted(cmake_sources(root, fileset).items()):
        outside = sorted(w for w in where if not os.path.dirname(src).startswith(os.path.dirname(w)))
        if outside or len(where) > 1:
            problems.append(f"compiled by path: {src} is named by {', '.join(sorted(where))}")
    public_api = functions(texts.get("include/akl/akl.h", ""), header=True)[0]
    for f in files:
        if not f.endswith(".c"):
            continue
        if f.startswith("src/loader/"):
            for name in sorted(functions(texts[f], header=False)[0]):
                if name.startswith("akl_") and name not in public_api:
                    problems.append(f"internal name: {f} defines {name}, which is not in akl.h")
        for prefix, owner in PUBLIC_PREFIXES:
            if not f.startswith(owner):
                for name in sorted(statics[f]):
                    if name.startswith(prefix):
                        problems.append(f"borrowed prefix: {f} has static {name} ({prefix} is {owner}'s)")
    for f in files:
        for number, line in enumerate(texts[f].split("\n"), 1):
            if re.fullmatch(r"\s*\*/\s*", line):
                problems.append(f"comment closer alone: {f}:{number} (end the comment's last line)")
    for comp, tests in untested_components(root, files):
        problems.append(f"untested component: {comp}/ has no {tests}/ (tests mirror the source tree)")
    for p in problems:
        print(p)
    print(f"{len(cycles)} include cycles, {len(problems) - len(cycles)} other problems, "
          f"{len(files)} files")
    return 1 if problems else 0


def find_cycles(edges):
    """Strongly connected components with more than one unit (Tarjan's, iteratively)."""
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]
    nodes = set(edges) | {v for vs in edges.values() for v in vs}
    for start in sorted(nodes):
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on.add(start)
        while work:
            node, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter[0]
                    counter[0] += 1
                    stack.append(nxt)
                    on.add(nxt)
                    work.append((nxt, iter(sorted(edges.get(nxt, ())))))
                elif nxt in on:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                if len(comp) > 1:
                    sccs.append(sorted(comp))
    return sccs


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
