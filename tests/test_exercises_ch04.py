"""Chapter 4 auto-check: exact SHAP values of the linear model."""

import keras
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


@pytest.fixture(scope="module")
def background_case(zoo, digits, mnist):
    model = zoo("mnist_linear")
    x, _ = digits
    (x_train, y_train), _ = mnist
    mixed, twos = x_train[100:200], x_train[y_train == 2][:100]
    return model, x[2], mixed, twos


def test_background_prediction(background_case, capsys):
    model, image, mixed, twos = background_case
    # the sum of the values is z(x) - mean z(background); computed here from the model's own logits
    z = keras.Model(model.input, model.get_layer("logits").output)
    totals = [float(z(image[None])[0, 2] - np.mean(z(b)[:, 2])) for b in (mixed, twos)]
    assert totals[1] < 0.95 * totals[0]  # a background of twos leaves less to explain: "smaller"
    assert exercises.check_background_prediction("smaller", model, image, 2, mixed, twos)
    assert capsys.readouterr().out.startswith("Correct")
    assert exercises.check_background_prediction("larger", model, image, 2, twos, mixed)  # swapped backgrounds
    assert exercises.check_background_prediction("about the same", model, image, 2, mixed, mixed)
    capsys.readouterr()
    for wrong in ("larger", "about the same"):
        assert not exercises.check_background_prediction(wrong, model, image, 2, mixed, twos)
        out = capsys.readouterr().out
        assert out.startswith("Not yet") and "mean logit" in out


@pytest.mark.parametrize("prediction", ["bigger", 0.5, None])
def test_background_prediction_malformed(background_case, capsys, prediction):
    model, image, mixed, twos = background_case
    assert not exercises.check_background_prediction(prediction, model, image, 2, mixed, twos)
    assert "should be one of" in capsys.readouterr().out
