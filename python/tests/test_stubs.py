"""The type stubs (holdfast/_core.pyi) match the compiled module: the same
public names, and for every function and method the same parameters (names,
which have defaults, which are keyword-only), read with inspect.signature.
Also: py.typed ships, and the package's __all__ is importable."""

import ast
import inspect
import pathlib

import holdfast
from holdfast import _core

STUB = pathlib.Path(holdfast.__file__).with_name("_core.pyi")


def _stub_tree():
    return ast.parse(STUB.read_text())


def _stub_params(node: ast.FunctionDef):
    """[(name, has_default, keyword_only)] of a stub function, self included."""
    args = node.args
    positional = args.posonlyargs + args.args
    first_default = len(positional) - len(args.defaults)
    out = [(a.arg, i >= first_default, False) for i, a in enumerate(positional)]
    out += [(a.arg, d is not None, True) for a, d in zip(args.kwonlyargs, args.kw_defaults)]
    return out


def _runtime_params(name: str, func):
    """The same list, from inspect.signature (the compiled functions carry
    text signatures, python/src/text_signature.cc)."""
    out = []
    for param in inspect.signature(func).parameters.values():
        assert param.kind not in (param.VAR_POSITIONAL, param.VAR_KEYWORD), name
        has_default = param.default is not param.empty
        out.append((param.name, has_default, param.kind is param.KEYWORD_ONLY))
    return out


def _public(names):
    return {n for n in names if not n.startswith("_")}


def test_module_names_match():
    tree = _stub_tree()
    stub_names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            stub_names.add(node.name)
        elif isinstance(node, ast.AnnAssign):
            stub_names.add(node.target.id)
    assert _public(stub_names) == _public(dir(_core))


def test_functions_match():
    for node in _stub_tree().body:
        if isinstance(node, ast.FunctionDef):
            assert _stub_params(node) == _runtime_params(node.name, getattr(_core, node.name))


def test_classes_match():
    for node in _stub_tree().body:
        if not isinstance(node, ast.ClassDef):
            continue
        cls = getattr(_core, node.name)
        stub_members = {}
        for item in node.body:
            if isinstance(item, ast.FunctionDef):
                stub_members[item.name] = item
        runtime_public = _public(vars(cls))
        assert _public(stub_members) == runtime_public, node.name
        for name, item in stub_members.items():
            runtime = inspect.getattr_static(cls, name)
            decorators = {d.id for d in item.decorator_list if isinstance(d, ast.Name)}
            if "property" in decorators:
                assert isinstance(runtime, property), f"{node.name}.{name} is not a property"
                continue
            if "staticmethod" in decorators:
                runtime = getattr(cls, name)
            elif name == "__hash__" or name == "__eq__":
                assert name in vars(cls), f"{node.name}.{name} missing"
                continue
            assert _stub_params(item) == _runtime_params(name, getattr(cls, name)), (
                f"{node.name}.{name}"
            )


def test_docstrings_everywhere():
    for name in _public(dir(_core)):
        obj = getattr(_core, name)
        if callable(obj):
            assert obj.__doc__, name
        if isinstance(obj, type):
            for member, value in vars(obj).items():
                if not member.startswith("_"):
                    assert getattr(value, "__doc__", None), f"{name}.{member}"
    for name in holdfast.__all__:
        obj = getattr(holdfast, name)
        if isinstance(obj, type) or callable(obj):
            assert obj.__doc__, name


def test_package_ships_typing_markers():
    assert STUB.exists()
    assert STUB.with_name("py.typed").exists()


def test_all_is_complete():
    for name in holdfast.__all__:
        assert hasattr(holdfast, name), name
