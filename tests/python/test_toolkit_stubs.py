"""The hand-written stubs of the toolkit (python/sparsecode/_core.pyi) against the
extension's runtime signatures: names, order, kinds and defaults of every parameter."""

import ast
import inspect
from pathlib import Path

import pytest
from sparsecode import _core

STUB = Path(__file__).resolve().parents[2] / "python" / "sparsecode" / "_core.pyi"

_KINDS = {
    "posonly": inspect.Parameter.POSITIONAL_ONLY,
    "args": inspect.Parameter.POSITIONAL_OR_KEYWORD,
    "kwonly": inspect.Parameter.KEYWORD_ONLY,
}


def _stub_params(fn: ast.FunctionDef):
    out = []
    a = fn.args
    positional = a.posonlyargs + a.args
    defaults = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
    for i, (arg, d) in enumerate(zip(positional, defaults)):
        kind = "posonly" if i < len(a.posonlyargs) else "args"
        out.append((arg.arg, _KINDS[kind], None if d is None else ast.literal_eval(d)))
    for arg, d in zip(a.kwonlyargs, a.kw_defaults):
        out.append((arg.arg, _KINDS["kwonly"], None if d is None else ast.literal_eval(d)))
    return out


def _stub_defs():
    tree = ast.parse(STUB.read_text())
    fns = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    return fns, classes


def _runtime_params(obj, skip_self=False):
    sig = inspect.signature(obj)
    ps = list(sig.parameters.values())
    if skip_self:
        ps = ps[1:]
    out = []
    for p in ps:
        d = None if p.default is inspect.Parameter.empty else p.default
        kind = p.kind
        if kind is inspect.Parameter.POSITIONAL_ONLY:
            kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
        out.append((p.name, kind, d))
    return out


def _norm(params):
    return [
        (
            n,
            inspect.Parameter.POSITIONAL_OR_KEYWORD
            if k is inspect.Parameter.POSITIONAL_ONLY
            else k,
            d,
        )
        for n, k, d in params
    ]


FNS, CLASSES = _stub_defs()


@pytest.mark.parametrize("name", sorted(FNS))
def test_function_stub_matches_runtime(name):
    assert hasattr(_core, name), f"_core has no {name}"
    stub = _norm(_stub_params(FNS[name]))
    runtime = _runtime_params(getattr(_core, name))
    # pyo3 writes non-literal defaults as "..."; compare names and kinds always, defaults when
    # the runtime gives one
    assert [(n, k) for n, k, _ in stub] == [(n, k) for n, k, _ in runtime]
    for (n, _, ds), (_, _, dr) in zip(stub, runtime):
        if dr is not Ellipsis and not isinstance(dr, type(Ellipsis)):
            assert ds == dr, f"{name}({n}): stub default {ds!r}, runtime {dr!r}"


def test_online_learner_stub_matches_runtime():
    cls = CLASSES["OnlineLearner"]
    methods = {n.name: n for n in cls.body if isinstance(n, ast.FunctionDef)}
    for name in ("batch_stats", "apply_stats", "partial_fit"):
        stub = _norm(_stub_params(methods[name]))[1:]  # without self
        runtime = _runtime_params(getattr(_core.OnlineLearner, name), skip_self=True)
        assert stub == runtime, name
    new = _norm(_stub_params(methods["__new__"]))[1:]  # without cls
    assert new == _runtime_params(_core.OnlineLearner)
    for prop in ("atoms", "iteration"):
        assert isinstance(getattr(_core.OnlineLearner, prop), type(_core.OnlineLearner.atoms))


def test_every_runtime_name_has_a_stub_and_back():
    tree = ast.parse(STUB.read_text())
    listed = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            listed = {ast.literal_eval(e) for e in node.value.elts}
    runtime = {n for n in dir(_core) if not n.startswith("__") and n != "_core"}
    assert runtime - listed == set(), "names without a stub"
    for name in listed:
        assert hasattr(_core, name), name
