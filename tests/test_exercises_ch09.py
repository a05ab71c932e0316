"""Tests of the chapter 9 auto-check: the insertion curve of one digit."""

import numpy as np
import pytest

from xai_teach import exercises, metrics


@pytest.fixture(scope="module")
def case(zoo, digits):
    cnn = zoo("mnist_cnn")
    image = digits[0][3]  # a 3
    rng = np.random.default_rng(0)
    attribution = rng.normal(size=(28, 28)) * image[..., 0] + 0.01 * rng.normal(size=(28, 28))
    target = 3
    return cnn, image, attribution, target


def _curve(case, fn=metrics.insertion, **kwargs):
    cnn, image, attribution, target = case
    return fn(cnn, image[None], attribution[None], targets=[target], steps=28, progress=False, **kwargs).curve[0]


def test_right_answer_passes(case, capsys):
    assert exercises.check_insertion_curve(_curve(case), *case)
    assert capsys.readouterr().out.startswith("Correct")


def test_hand_written_answer_passes(case, capsys):
    cnn, image, attribution, target = case
    order = np.argsort(-attribution.ravel(), kind="stable")
    counts = np.round(np.linspace(0, 784, 29)).astype(int)
    steps = np.zeros((29, 784), dtype=np.float32)
    for j, k in enumerate(counts):
        steps[j, order[:k]] = image.ravel()[order[:k]]
    curve = cnn.predict(steps.reshape(-1, 28, 28, 1), verbose=0)[:, target]
    assert exercises.check_insertion_curve(curve, *case)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda c: _curve(c, metrics.deletion), "deletion curve"),
        (lambda c: _curve(c)[::-1], "backwards"),
        (lambda c: _curve(c, absolute=True), "absolute value"),
        (lambda c: _curve(c)[:-1], "shape"),
        (lambda c: "curve", "array of numbers"),
    ],
)
def test_typical_mistakes_get_specific_feedback(case, capsys, wrong, hint):
    assert not exercises.check_insertion_curve(wrong(case), *case)
    out = capsys.readouterr().out
    assert out.startswith("Not yet") and hint in out


def test_feedback_never_prints_the_expected_values(case, capsys):
    expected = _curve(case)
    exercises.check_insertion_curve(expected + 0.05, *case)
    out = capsys.readouterr().out
    assert out.startswith("Not yet")
    assert not any(f"{v:.3f}" in out for v in expected if 0.001 < v < 0.999)
