"""The import structure: every module imports on its own, imports flow one way, and
``import lotss_tools`` stays light."""

import ast
import subprocess
import sys
from pathlib import Path

import lotss_tools

PACKAGE = Path(lotss_tools.__file__).resolve().parent


def _modules():
    """Dotted name -> path of every module of the package."""
    found = {}
    for path in sorted(PACKAGE.rglob('*.py')):
        parts = path.relative_to(PACKAGE.parent).with_suffix('').parts
        if parts[-1] == '__init__':
            parts = parts[:-1]
        found['.'.join(parts)] = path
    return found


def _module_level_imports(name, path, modules):
    """The package modules that module ``name`` imports when it is imported."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = name if path.name == '__init__.py' else name.rpartition('.')[0]
    targets = set()

    def visit(statements):
        for node in statements:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue                          # only what runs at import time
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split('.')
                    base = base[:len(base) - node.level + 1]
                    source = '.'.join(base + ([node.module] if node.module else []))
                else:
                    source = node.module
                submodules = {f'{source}.{alias.name}' for alias in node.names} & set(modules)
                targets.update(submodules)
                if len(submodules) < len(node.names):     # names defined by the module itself
                    targets.add(source)
            for field in ('body', 'orelse', 'finalbody', 'handlers'):
                visit(getattr(node, field, []) or [])
    visit(tree.body)
    return {target for target in targets if target in modules and target != name}


def test_import_graph_has_no_cycle():
    modules = _modules()
    graph = {name: _module_level_imports(name, path, modules) for name, path in modules.items()}
    state, stack = {}, []

    def walk(node):
        state[node] = 'open'
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 'open':
                cycle = stack[stack.index(nxt):] + [nxt]
                raise AssertionError('import cycle: ' + ' -> '.join(cycle))
            if nxt not in state:
                walk(nxt)
        stack.pop()
        state[node] = 'done'

    for name in sorted(graph):
        if name not in state:
            walk(name)
    # visualization/ is a leaf: no other module imports it when it is imported.
    for name, imported in graph.items():
        if not name.startswith('lotss_tools.visualization'):
            assert not any(t.startswith('lotss_tools.visualization') for t in imported), name


def test_every_module_imports_on_its_own():
    """Each module imported first, with none of the package loaded before it.

    One fresh interpreter imports the modules one after the other, and
    forgets every ``lotss_tools`` module before each import (third-party
    packages stay loaded, which keeps this fast), so a module that works
    only when another one happened to be imported first is caught.
    """
    names = [name for name in _modules() if not name.endswith('__main__')]
    code = """
import importlib, sys, traceback
failures = []
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m == 'lotss_tools' or m.startswith('lotss_tools.')]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as exc:
        failures.append(f'{name}: {type(exc).__name__}: {exc}')
print('\\n'.join(failures))
"""
    done = subprocess.run([sys.executable, '-c', code, *names], capture_output=True, text=True,
                          cwd=PACKAGE.parent, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ''


def test_top_level_names_are_lazy_and_listed():
    code = ('import sys, lotss_tools; '
            'print(sorted(m for m in sys.modules if m.startswith("lotss_tools")))')
    done = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                          check=True, cwd=PACKAGE.parent)
    assert done.stdout.strip() == "['lotss_tools', 'lotss_tools._version']"
    for name in lotss_tools.__all__:
        assert getattr(lotss_tools, name) is not None
        assert name in dir(lotss_tools)
    assert lotss_tools.Pipeline.__module__ == 'lotss_tools.pipeline'


def test_each_public_name_means_one_thing():
    """One way to do each thing: a name in two modules' ``__all__`` is the same object
    (re-exported), never two different ones (as the two random_positions were)."""
    import importlib
    import pkgutil
    objects = {}
    for info in pkgutil.walk_packages(lotss_tools.__path__, 'lotss_tools.'):
        if info.name.endswith('__main__'):
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, '__all__', ()):
            objects.setdefault(name, {})[id(getattr(module, name))] = info.name
    twice = {name: sorted(where.values()) for name, where in objects.items() if len(where) > 1}
    assert not twice
    from lotss_tools.footprint import random_positions
    assert objects['random_positions'] == {id(random_positions): 'lotss_tools.footprint'}
