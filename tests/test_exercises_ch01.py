"""Chapter 1 predict-then-verify check: do the drops of the top and bottom halves add up?"""

import numpy as np
import pytest

from xai_teach import exercises, models


def _outcome(model, image, target):
    top, bottom = image.copy(), image.copy()
    top[:14], bottom[14:] = 0, 0
    z = np.asarray(models.logits_model(model)(np.stack([image, top, bottom, 0 * image])))[:, target]
    total, both = (z[0] - z[1]) + (z[0] - z[2]), z[0] - z[3]
    if abs(total - both) <= 1e-3 * abs(both) + 1e-4:
        return "equal"
    return "larger" if total > both else "smaller"


@pytest.fixture(scope="module")
def case(zoo, digits):
    x, _ = digits
    linear, cnn = zoo("mnist_linear"), zoo("mnist_cnn")
    image = x[3]
    target = int(models.predict_proba(linear, image[None]).argmax())
    return linear, cnn, image, target, _outcome(cnn, image, target)


def test_the_linear_model_is_additive_whatever_the_digit(case):
    linear, _, image, target, _ = case
    assert _outcome(linear, image, target) == "equal"


def test_right_prediction_passes(case, capsys):
    linear, cnn, image, target, cnn_answer = case
    assert exercises.check_halves_prediction({"linear": "equal", "cnn": cnn_answer}, linear, cnn, image, target)
    assert exercises.check_halves_prediction(
        {"linear": " Equal", "cnn": cnn_answer.upper()}, linear, cnn, image, target
    )
    assert capsys.readouterr().out.startswith("Correct")


def test_wrong_linear_prediction_points_at_the_sum(case, capsys):
    linear, cnn, image, target, cnn_answer = case
    assert not exercises.check_halves_prediction({"linear": "larger", "cnn": cnn_answer}, linear, cnn, image, target)
    assert "sum of one term per pixel" in capsys.readouterr().out


def test_wrong_cnn_prediction_says_run_it(case, capsys):
    linear, cnn, image, target, cnn_answer = case
    wrong = next(o for o in ("equal", "larger", "smaller") if o != cnn_answer)
    assert not exercises.check_halves_prediction({"linear": "equal", "cnn": wrong}, linear, cnn, image, target)
    out = capsys.readouterr().out
    assert out.startswith("Not yet") and "run the cut" in out


@pytest.mark.parametrize(
    "prediction, hint",
    [
        ("equal", "keys"),
        ({"linear": "equal"}, "keys"),
        ({"linear": "equal", "cnn": "bigger"}, "should be one of"),
        ({"linear": 0, "cnn": "equal"}, "should be one of"),
    ],
)
def test_malformed_predictions_are_named(case, capsys, prediction, hint):
    linear, cnn, image, target, _ = case
    assert not exercises.check_halves_prediction(prediction, linear, cnn, image, target)
    assert hint in capsys.readouterr().out
