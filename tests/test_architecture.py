"""House rules that keep the layers apart: rnnviz computes, pages wire, nothing else."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RNNVIZ_MODULES = sorted(ROOT.glob("rnnviz/**/*.py"))


def imported_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):  # also imports inside functions
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", RNNVIZ_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_rnnviz_module_does_not_import_streamlit(path):
    assert "streamlit" not in imported_names(path)


def test_importing_all_of_rnnviz_loads_no_streamlit():
    modules = [".".join(p.relative_to(ROOT).with_suffix("").parts) for p in RNNVIZ_MODULES]
    code = (
        f"import sys, importlib\nfor m in {modules!r}: importlib.import_module(m)\n"
        "assert 'streamlit' not in sys.modules, 'streamlit was imported'"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_computation_modules_do_not_import_plotly():
    # plotly belongs to rnnviz/figures; the maths modules import numpy and torch only.
    for path in RNNVIZ_MODULES:
        if "figures" not in path.parts:
            assert "plotly" not in imported_names(path), path


@pytest.mark.parametrize("path", sorted(ROOT.glob("pages/*.py")), ids=lambda p: p.name)
def test_pages_do_no_maths(path):
    # a page wires widgets to rnnviz; linear algebra and autograd live in rnnviz
    assert {"torch", "numpy", "scipy"}.isdisjoint(imported_names(path)), path


def test_requirements_pin_everything_and_torch_to_the_cpu_wheel():
    lines = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    pins = [line for line in lines if line and not line.startswith("#")]
    assert all("==" in pin for pin in pins), pins
    assert "torch==2.13.0" in pins


@pytest.mark.parametrize("path", sorted([ROOT / "app.py", *ROOT.glob("pages/*.py")]), ids=lambda p: p.name)
def test_caches_are_bounded(path):
    # Hundreds of sessions share the server: a cache keyed by settings must not grow without end.
    # A cached function without arguments holds one entry; every other one sets max_entries.
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if isinstance(target, ast.Attribute) and target.attr in ("cache_data", "cache_resource"):
                bounded = isinstance(decorator, ast.Call) and any(
                    k.arg in ("max_entries", "ttl") for k in decorator.keywords
                )
                has_arguments = bool(node.args.args or node.args.kwonlyargs or node.args.vararg)
                assert bounded or not has_arguments, f"{path.name}: {node.name} caches without max_entries"


TRAINING_CALLS = ("Trainer(", "train_together(", "sentiment.train(", "learn_parity(", "charlm.", "seq2seq.")


@pytest.mark.parametrize("path", sorted(ROOT.glob("pages/*.py")), ids=lambda p: p.name)
def test_pages_that_train_keep_torch_to_one_thread(path):
    # One training session on one core: the other core stays free for every other session.
    text = path.read_text()
    if any(call in text for call in TRAINING_CALLS):
        assert "training.set_threads(1)" in text, path.name


def test_the_pipfile_for_community_cloud_pins_what_requirements_pins_with_torch_from_the_cpu_index():
    # Community Cloud reads the Pipfile before requirements.txt (see the README): the two must agree.
    import tomllib

    pipfile = tomllib.loads((ROOT / "Pipfile").read_text())
    requirements = dict(
        line.split("==") for line in (ROOT / "requirements.txt").read_text().splitlines() if "==" in line
    )
    pinned = {
        name: spec if isinstance(spec, str) else spec["version"] for name, spec in pipfile["packages"].items()
    }
    assert pinned == {name: f"=={version}" for name, version in requirements.items()}
    cpu = next(
        source for source in pipfile["source"] if source["name"] == pipfile["packages"]["torch"]["index"]
    )
    assert cpu["url"] == "https://download.pytorch.org/whl/cpu"
