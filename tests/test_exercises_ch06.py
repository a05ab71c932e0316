"""Chapter 6 auto-check: exact per-word contributions of the bag-of-words model."""

import numpy as np
import pytest
import tensorflow as tf

from xai_teach import exercises

REVIEW = "A wonderful film, the best of the year; zzqqxx and the acting was awful."


@pytest.fixture(scope="module")
def bow(zoo):
    return zoo("imdb_bow")


def _right(model, review):
    kernel, _ = model.get_layer("logits").get_weights()
    vocab = model.get_layer("vectorize").get_vocabulary()
    present = np.asarray(model.get_layer("vectorize")(tf.constant([review])))[0]
    return {str(vocab[v]): float(kernel[v, 1] - kernel[v, 0]) for v in np.flatnonzero(present)}


def test_right_answer_passes_and_adds_up_to_the_logit_difference(bow, capsys):
    answer = _right(bow, REVIEW)
    assert "[UNK]" in answer and "wonderful" in answer
    assert exercises.check_bow_contributions(answer, bow, REVIEW)
    assert capsys.readouterr().out.startswith("Correct")
    _, bias = bow.get_layer("logits").get_weights()
    z = _logits(bow, REVIEW)
    assert sum(answer.values()) + bias[1] - bias[0] == pytest.approx(z[1] - z[0], abs=1e-4)


def _logits(model, review):
    from xai_teach import models

    return np.asarray(models.logits_model(model)(tf.constant([review])))[0]


@pytest.mark.parametrize(
    "wrong, phrase",
    [
        (lambda a, k: {w: -v for w, v in a.items()}, "sign is flipped"),
        (lambda a, k: {w: float(k[w][1]) for w in a}, "one column of W"),
        (lambda a, k: {w: v + 0.1 for w, v in a.items()}, "minus its weight"),
        (lambda a, k: dict(list(a.items())[1:]), "missing"),
        (lambda a, k: {**a, "zzqqxx": 1.0}, "not vocabulary words"),
        (lambda a, k: list(a.values()), "give a dict"),
    ],
)
def test_typical_wrong_answers_get_specific_feedback_without_the_expected_values(bow, capsys, wrong, phrase):
    answer = _right(bow, REVIEW)
    kernel, _ = bow.get_layer("logits").get_weights()
    vocab = bow.get_layer("vectorize").get_vocabulary()
    rows = {str(vocab[i]): kernel[i] for i in range(len(vocab)) if str(vocab[i]) in answer}
    assert not exercises.check_bow_contributions(wrong(answer, rows), bow, REVIEW)
    out = capsys.readouterr().out
    assert out.startswith("Not yet") and phrase in out
    assert not any(f"{v:.3f}" in out for v in answer.values())


def test_non_numeric_values_are_reported(bow, capsys):
    answer = {w: "big" for w in _right(bow, REVIEW)}
    assert not exercises.check_bow_contributions(answer, bow, REVIEW)
    assert "one number" in capsys.readouterr().out
