"""Auto-checks: right answers pass, wrong ones get specific feedback that never shows the answer."""

import numpy as np
import pytest

from xai_teach import exercises


@pytest.fixture(scope="module")
def linear_case(zoo, digits):
    model = zoo("mnist_linear")
    x, _ = digits
    kernel, _ = model.get_layer("logits").get_weights()
    return model, x[3], 3, (kernel[:, 3] * x[3].ravel()).reshape(28, 28), kernel


def test_linear_contributions_right(linear_case, capsys):
    model, image, c, right, _ = linear_case
    assert exercises.check_linear_contributions(right, model, image, c)
    assert capsys.readouterr().out.startswith("Correct")


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda right, kernel: kernel[:, 3].reshape(28, 28), "weight template alone"),
        (lambda right, kernel: right.T, "per-pixel split"),
        (lambda right, kernel: right * 2, "add up to the model's logit"),
        (lambda right, kernel: right[:27], "shape"),
        (lambda right, kernel: "an answer", "array of numbers"),
    ],
)
def test_linear_contributions_wrong(linear_case, capsys, wrong, hint):
    model, image, c, right, kernel = linear_case
    assert not exercises.check_linear_contributions(wrong(right, kernel), model, image, c)
    out = capsys.readouterr().out
    assert out.startswith("Not yet") and hint in out
    assert f"{right.sum():.3f}" not in out


def test_accuracy_check(zoo, mnist, capsys):
    model = zoo("mnist_linear")
    (_, _), (x, y) = mnist
    x, y = x[:500], y[:500]
    right = float(np.mean(model.predict(x, verbose=0).argmax(1) == y))
    assert exercises.check_accuracy(right, model, x, y)
    assert not exercises.check_accuracy(right * 100, model, x, y)
    assert "percentage" in capsys.readouterr().out
    assert not exercises.check_accuracy(right - 0.01, model, x, y)
    assert f"{right:.3f}" not in capsys.readouterr().out
