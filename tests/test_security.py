"""Nothing a user sends is ever run or unpickled: no eval, exec or pickle in the app's code, models
load with torch.load(weights_only=True) only, and the server keeps XSRF protection and its upload limit."""

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APP_CODE = sorted(
    [ROOT / "app.py", *ROOT.glob("rnnviz/**/*.py"), *ROOT.glob("pages/*.py"), *ROOT.glob("ui/*.py")]
)
IDS = [str(p.relative_to(ROOT)) for p in APP_CODE]
UNPICKLERS = {"pickle", "cPickle", "dill", "joblib", "shelve", "marshal"}


def calls(tree: ast.AST) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)]


def called_name(call: ast.Call) -> str:
    """`eval` for eval(...), `torch.load` for torch.load(...), `` for anything else."""
    parts, func = [], call.func
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        parts.append(func.id)
        return ".".join(reversed(parts))
    return ""


@pytest.mark.parametrize("path", APP_CODE, ids=IDS)
def test_no_eval_exec_or_compile(path):
    names = {called_name(c) for c in calls(ast.parse(path.read_text()))}
    assert not names & {"eval", "exec", "compile", "__import__", "builtins.eval", "builtins.exec"}, path


@pytest.mark.parametrize("path", APP_CODE, ids=IDS)
def test_no_pickle(path):
    tree = ast.parse(path.read_text())
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert not imported & UNPICKLERS, path
    for call in calls(tree):  # numpy unpickles object arrays only when asked
        assert not any(k.arg == "allow_pickle" and getattr(k.value, "value", False) for k in call.keywords), (
            path
        )


@pytest.mark.parametrize("path", APP_CODE, ids=IDS)
def test_models_load_with_weights_only(path):
    for call in calls(ast.parse(path.read_text())):
        if called_name(call) == "torch.load":
            weights_only = [k for k in call.keywords if k.arg == "weights_only"]
            assert weights_only and weights_only[0].value.value is True, f"{path}:{call.lineno}"


def test_the_checks_catch_what_they_look_for():
    bad = ast.parse("import pickle\ntorch.load(f)\neval(text)\nnp.load(f, allow_pickle=True)")
    assert {called_name(c) for c in calls(bad)} == {"torch.load", "eval", "np.load"}


def test_server_keeps_xsrf_protection_and_the_upload_limit():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["maxUploadSize"] == 10  # MB
    assert config["browser"]["gatherUsageStats"] is False
