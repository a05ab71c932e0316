"""xai_teach.claims: a claim that holds passes quietly, one that fails names itself and its numbers."""

import numpy as np
import pytest

from xai_teach import claims


def test_true_claim_passes_and_says_so(capsys):
    claims.check(np.float32(0.2) < 0.3, "the gap is small")
    assert "checked: the gap is small" in capsys.readouterr().out


def test_false_claim_raises_with_its_text_and_numbers(monkeypatch):
    monkeypatch.setenv("XAI_TEACH_CHAPTER", "notebooks/09_evaluating_explanations.ipynb")
    with pytest.raises(claims.ClaimFailed) as err:
        claims.check(0.9 < 0.3, "IG deletes faster than saliency", ig=0.9, saliency=0.3)
    msg = str(err.value)
    assert "[09_evaluating_explanations]" in msg
    assert "IG deletes faster than saliency" in msg and "ig = 0.9" in msg and "saliency = 0.3" in msg
    assert isinstance(err.value, AssertionError)


@pytest.mark.parametrize("condition", [np.array([True, False]), 1, 0.5, "yes", None, np.array([])])
def test_condition_must_be_one_bool(condition):
    with pytest.raises(TypeError, match="one truth value"):
        claims.check(condition, "a claim")


@pytest.mark.parametrize("claim", ["", "   ", None, 3])
def test_claim_text_is_required(claim):
    with pytest.raises(TypeError, match="non-empty str"):
        claims.check(True, claim)


def test_glue_without_myst_nb_shows_the_value(monkeypatch, capsys):
    import sys

    monkeypatch.setitem(sys.modules, "myst_nb", None)  # import fails, as in Colab
    claims.glue("gap", 0.125)
    assert "0.125" in capsys.readouterr().out
    claims.glue("gap", 0.125, display=False)
    assert capsys.readouterr().out == ""


def test_glue_refuses_a_bad_name():
    with pytest.raises(TypeError, match="glue key"):
        claims.glue("a gap", 1.0)


def test_glue_stores_numpy_scalars_as_python_numbers(monkeypatch):
    import sys
    import types

    stored = {}
    fake = types.SimpleNamespace(glue=lambda name, value, display=True: stored.update({name: value}))
    monkeypatch.setitem(sys.modules, "myst_nb", fake)
    claims.glue("gap", np.float64(0.25))
    assert type(stored["gap"]) is float and stored["gap"] == 0.25
