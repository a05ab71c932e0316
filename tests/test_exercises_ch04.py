"""Chapter 4 auto-check: exact SHAP values of the linear model."""

import numpy as np
import pytest

from xai_teach import exercises, explain


@pytest.fixture(scope="module")
def case(zoo, digits, mnist):
    model = zoo("mnist_linear")
    x, _ = digits
    (x_train, _), _ = mnist
    background = x_train[:50]
    kernel, _ = model.get_layer("logits").get_weights()
    w = kernel[:, 4].reshape(28, 28)
    right = w * (x[4] - background.mean(axis=0))[:, :, 0]
    return model, x[4], background, 4, right, w


def test_right_answer_passes(case, capsys):
    model, image, background, c, right, _ = case
    assert exercises.check_linear_shap(right, model, image, background, c)
    assert capsys.readouterr().out.startswith("Correct")


def test_right_answer_matches_deep_explainer(case):
    # The closed form is what shap's DeepExplainer computes exactly on a linear model.
    model, image, background, c, right, _ = case
    deep = explain.shap_deep(model, image, targets=c, background=background)
    np.testing.assert_allclose(deep.values[0], right, atol=1e-4)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda right, w, x: w * x[:, :, 0], "blank image"),
        (lambda right, w, x: -right, "sign is flipped"),
        (lambda right, w, x: w, "weight template alone"),
        (lambda right, w, x: right.T, "per-pixel split"),
        (lambda right, w, x: right * 2, "add up to the logit"),
        (lambda right, w, x: right[:27], "shape"),
        (lambda right, w, x: "values", "array of numbers"),
    ],
)
def test_wrong_answers_get_specific_feedback(case, capsys, wrong, hint):
    model, image, background, c, right, w = case
    assert not exercises.check_linear_shap(wrong(right, w, image), model, image, background, c)
    out = capsys.readouterr().out
    assert out.startswith("Not yet") and hint in out
    assert f"{right.sum():.3f}" not in out and f"{right.max():.3f}" not in out
