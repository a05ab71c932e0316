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
