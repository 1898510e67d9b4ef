"""Fixtures shared by the unit and page tests."""

import pytest

from rnnviz import training


@pytest.fixture
def no_training(monkeypatch):
    """Any training step taken in this process (an AppTest page runs in it) fails the test."""

    def refuse(self):
        raise AssertionError("a model was trained")

    monkeypatch.setattr(training.Loop, "_one_step", refuse)
