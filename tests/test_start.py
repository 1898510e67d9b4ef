"""What the server does before its first visitor: `streamlit run app.py` serves app.py's App, whose
lifespan imports the pages' modules and loads every shipped model once (ui.models.loaded_at_start)."""

from pathlib import Path

import pytest
from streamlit.web.server.app_discovery import discover_asgi_app

import ui.models as ui_models
from rnnviz import defaults

APP = Path(__file__).resolve().parents[1] / "app.py"


@pytest.fixture
def counted_loads(monkeypatch):
    """Every call of defaults.load, by name, from an empty `shared` cache (emptied again afterwards)."""
    calls, load = [], defaults.load
    monkeypatch.setattr(defaults, "load", lambda name: calls.append(name) or load(name))
    ui_models.shared.clear()
    yield calls
    ui_models.shared.clear()


def test_streamlit_run_finds_the_app_whose_lifespan_loads_the_models():
    # what `streamlit run app.py` does first: look for an ASGI app in the file (an AST search, nothing run)
    found = discover_asgi_app(APP)
    assert found.is_asgi_app and found.app_name == "app"
    assert 'app = st.App("app.py", lifespan=loaded_at_start)' in APP.read_text()


def test_every_default_is_loaded_once_at_start_and_then_only_read(counted_loads):
    loaded = ui_models.load_everything()
    assert loaded == defaults.names() and sorted(counted_loads) == sorted(defaults.names())
    first = {name: ui_models.shared(name) for name in defaults.names()}  # what the pages then ask for
    assert sorted(counted_loads) == sorted(defaults.names())  # nothing loaded twice
    assert all(ui_models.shared(name) is model for name, model in first.items())


def test_a_default_out_of_date_is_left_to_its_page_and_the_server_starts(monkeypatch, counted_loads, capsys):
    stale = defaults.names()[0]

    def load(name):
        if name == stale:
            raise defaults.OutOfDate(f"the settings in {name}.json are not the code's defaults any more")
        return f"the model {name}"  # the others: not built, for speed

    monkeypatch.setattr(defaults, "load", load)
    assert ui_models.load_everything() == defaults.names()[1:]
    assert f"rnnviz: {stale} not loaded: the settings in {stale}.json" in capsys.readouterr().err
