"""Tests of the chapter 8 auto-check: top-k overlap by hand."""

import numpy as np
import pytest

from xai_teach import exercises, metrics

A = np.array([0.9, -0.8, 0.1, 0.05, 0.7, 0.0, 0.3, -0.02])
B = np.array([0.1, 0.85, -0.9, 0.0, 0.6, 0.2, -0.01, 0.3])


def test_right_answer_passes_and_matches_the_metric(capsys):
    expected = float(metrics.top_k_overlap([A], [B], k=3)[0])
    assert exercises.check_attention_overlap(expected, A, B, k=3)
    assert capsys.readouterr().out.startswith("Correct")


@pytest.mark.parametrize(
    "answer, hint",
    [
        (2, "divide by k"),  # count instead of fraction (|A| top 3: 0, 1, 4; |B| top 3: 2, 1, 4)
        (1 / 3, "absolute value"),  # signed top 3: A 0, 4, 6; B 1, 4, 7
        ("two", "one number"),
        (1.5, "between 0 and 1"),
        (1.0, "k largest"),
    ],
)
def test_typical_mistakes_get_specific_feedback(capsys, answer, hint):
    assert not exercises.check_attention_overlap(answer, A, B, k=3)
    out = capsys.readouterr().out
    assert out.startswith("Not yet") and hint in out
    assert "0.667" not in out and "2/3" not in out


def test_mismatched_explanations_raise():
    with pytest.raises(ValueError, match="same words"):
        exercises.check_attention_overlap(0.5, A, B[:-1])


def test_top_word_prediction_is_checked_against_the_measurement(capsys, zoo, imdb):
    from xai_teach import explain

    model = zoo("imdb_bow")
    (_, _), (texts, _) = imdb
    texts = texts[:6]
    exact = explain.gradient_x_input(model, texts)  # on the bag-of-words model: each word's exact contribution
    strongest = [np.eye(len(v))[int(np.argmax(v))] for v in exact.values]  # the word that pushes most
    weakest = [np.eye(len(v))[int(np.argmin(np.abs(v)))] for v in exact.values]  # a word that hardly matters
    a = explain.Attribution(strongest, texts, exact.targets, "strongest", tokens=exact.tokens)
    b = explain.Attribution(weakest, texts, exact.targets, "weakest", tokens=exact.tokens)
    assert exercises.check_top_word_prediction("more", model, texts, a, b)
    assert capsys.readouterr().out.startswith("Correct")
    assert not exercises.check_top_word_prediction("less", model, texts, a, b)
    assert "the measurement says 'more'" in capsys.readouterr().out
    assert not exercises.check_top_word_prediction("bigger", model, texts, a, b)
    assert "'more' or 'less'" in capsys.readouterr().out
    with pytest.raises(ValueError, match="must explain"):
        exercises.check_top_word_prediction("more", model, texts[:3], a, b)
