"""Deferred modules: imported now, executed on first use (a fast start without torch).

The app's page build needs the lessons' names and constants, not torch: yet a page that
imports `playground.images.gan2d` pulls torch in (1-1.5 s) because gan2d defines its networks
at module level. `defer(names)` makes the import statements of those modules cheap: the import
binds a module object whose body has not run; the first attribute read (a handler calling
`gan2d.train_frames`, a test, the background warm-up after launch) runs it, once. The import
statements stay where they are, so the import graph (and tests/test_architecture.py) is
unchanged. The same idea as the standard library's importlib.util.LazyLoader, made safe for
a server's threads: in Python 3.11 a second thread reading a LazyLoader module while the first
runs its body gets an AttributeError (CPython gh-114763); here it waits on a lock.

    from playground.core import deferred
    deferred.defer(["playground.images.gan2d"])     # before the first import of it
    deferred.load_all()                              # later, in a background thread
"""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import threading
import types

# One lock for every deferred body: a body that reads another deferred module runs it inside
# the same thread (re-entrant), and a second thread waits until the whole chain has run.
_LOCK = threading.RLock()
_PENDING, _RUNNING = "pending", "running"


class DeferredModule(types.ModuleType):
    """A module whose body runs on the first read of a name it does not hold yet."""

    def __getattr__(self, name):
        with _LOCK:
            if type(self) is DeferredModule and self.__dict__.get("__deferred__") == _PENDING:
                _run(self)
        return types.ModuleType.__getattribute__(self, name)


def _run(module: DeferredModule) -> None:
    spec = module.__spec__
    real = spec.loader_state
    module.__dict__["__deferred__"] = _RUNNING     # a read from its own body: plain lookup
    try:
        spec.loader = module.__loader__ = real
        real.exec_module(module)
    except BaseException:
        module.__dict__["__deferred__"] = _PENDING  # a later read tries again
        raise
    module.__dict__.pop("__deferred__", None)
    module.__class__ = types.ModuleType


class _Loader(importlib.abc.Loader):
    def __init__(self, real):
        self.real = real

    def create_module(self, spec):
        return None                                  # the default module object

    def exec_module(self, module):
        module.__spec__.loader_state = self.real
        module.__dict__["__deferred__"] = _PENDING
        module.__class__ = DeferredModule


class _Finder(importlib.abc.MetaPathFinder):
    def __init__(self):
        self.names: set[str] = set()

    def find_spec(self, fullname, path, target=None):
        if fullname not in self.names:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or spec.loader is None or spec.submodule_search_locations is not None:
            return spec                              # not a plain module: import as usual
        spec.loader = _Loader(spec.loader)
        return spec


_FINDER = _Finder()


def defer(names) -> None:
    """Defer these modules (full dotted names) from now on; those already imported stay as
    they are."""
    _FINDER.names.update(names)
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)


def is_pending(name: str) -> bool:
    """True if `name` was imported deferred and its body has not run yet."""
    module = sys.modules.get(name)
    return type(module) is DeferredModule and module.__dict__.get("__deferred__") == _PENDING


def load_all() -> list[str]:
    """Run the body of every deferred module imported so far (the app's warm-up after
    launch, in a background thread); returns their names."""
    done = []
    for name in sorted(_FINDER.names):
        module = sys.modules.get(name)
        if type(module) is DeferredModule:
            getattr(module, "__deferred_load__", None)
            done.append(name)
    return done


def constant(name: str, attribute: str):
    """A module-level constant written as a literal (`T = 1000`), read from the module's source
    without running it: what a page needs to lay out its sliders before the module is used.
    The module keeps the one definition."""
    import ast
    import importlib.util

    spec = importlib.util.find_spec(name)
    tree = ast.parse(spec.loader.get_source(name) if hasattr(spec.loader, "get_source")
                     else open(spec.origin, encoding="utf-8").read())
    for node in tree.body:
        targets = (node.targets if isinstance(node, ast.Assign)
                   else [node.target] if isinstance(node, ast.AnnAssign) and node.value else [])
        if any(isinstance(t, ast.Name) and t.id == attribute for t in targets):
            return ast.literal_eval(node.value)
    raise AttributeError(f"{name} has no literal constant {attribute}")
