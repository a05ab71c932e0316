"""Chapter 2 auto-checks: right answers pass, typical wrong answers get specific feedback without the answer."""

import numpy as np
import pytest

from xai_teach import exercises


@pytest.fixture(scope="module")
def misclassified(zoo, mnist):
    """A test digit the linear model gets wrong, its prediction and the model's weights."""
    model = zoo("mnist_linear")
    (_, _), (x, y) = mnist
    pred = model.predict(x[:300], verbose=0).argmax(1)
    i = int(np.flatnonzero(pred != y[:300])[0])
    kernel, bias = model.get_layer("logits").get_weights()
    return model, x[i], int(y[i]), int(pred[i]), kernel, bias


def test_best_template_right(misclassified, capsys):
    model, image, label, pred, _, _ = misclassified
    assert pred != label
    assert exercises.check_best_template(pred, model, image)
    assert exercises.check_best_template(np.int64(pred), model, image)
    assert capsys.readouterr().out.startswith("Correct")


def test_best_template_wrong_label(misclassified, capsys):
    model, image, label, pred, kernel, bias = misclassified
    assert not exercises.check_best_template(label, model, image)
    out = capsys.readouterr().out
    assert out.startswith("Not yet") and str(pred) not in out


@pytest.mark.parametrize("answer, hint", [("7", "one int"), (3.0, "one int"), (True, "one int"), (12, "0 to 9")])
def test_best_template_not_a_class(misclassified, capsys, answer, hint):
    model, image, *_ = misclassified
    assert not exercises.check_best_template(answer, model, image)
    assert hint in capsys.readouterr().out


def test_best_template_forgot_bias(zoo, mnist, capsys):
    """Find a digit whose winner changes without the biases; the check must name the biases."""
    model = zoo("mnist_linear")
    (_, _), (x, _) = mnist
    kernel, bias = model.get_layer("logits").get_weights()
    flat = x[:2000].reshape(2000, -1).astype(np.float64)
    no_bias, full = (flat @ kernel).argmax(1), (flat @ kernel + bias).argmax(1)
    i = int(np.flatnonzero(no_bias != full)[0])
    assert not exercises.check_best_template(int(no_bias[i]), model, x[i])
    assert "biases" in capsys.readouterr().out


@pytest.fixture(scope="module")
def local_values():
    rng = np.random.default_rng(0)
    return rng.normal(0, 1, (12, 28, 28))


def test_mean_abs_map_right(local_values, capsys):
    assert exercises.check_mean_abs_map(np.abs(local_values).mean(0), local_values)
    assert exercises.check_mean_abs_map(np.abs(local_values).mean(0).tolist(), local_values)
    assert capsys.readouterr().out.startswith("Correct")


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda v: np.abs(v.mean(0)), "absolute value of the mean"),
        (lambda v: v.mean(0), "signed mean"),
        (lambda v: np.abs(v).sum(0), "sum over digits"),
        (lambda v: np.abs(v).mean(0).T, "average |values|"),
        (lambda v: np.abs(v).mean(1), "shape"),
        (lambda v: np.abs(v).mean(0)[:27], "shape"),
        (lambda v: "a map", "array of numbers"),
    ],
)
def test_mean_abs_map_wrong(local_values, capsys, wrong, hint):
    assert not exercises.check_mean_abs_map(wrong(local_values), local_values)
    out = capsys.readouterr().out
    assert out.startswith("Not yet") and hint in out
    assert f"{np.abs(local_values).mean(0).max():.3f}" not in out


def _hard_agreement(cnn, linear, x, top):
    pred = cnn.predict(x, batch_size=2000, verbose=0).argmax(1)
    hard = pred != linear.predict(x, batch_size=2000, verbose=0).argmax(1)
    probs = cnn.predict(x[:2000], batch_size=2000, verbose=0)
    flat = x.reshape(len(x), -1).astype(np.float64)
    protos, labels = [], []
    for c in range(10):  # the top-`top` digits by probability of class c, among the first 2,000
        best = np.argsort(-probs[:, c], kind="stable")[:top]
        protos.append(flat[best])
        labels += [c] * top
    protos = np.concatenate(protos)
    d = (flat**2).sum(1)[:, None] - 2 * flat @ protos.T + (protos**2).sum(1)[None]
    return np.mean(np.asarray(labels)[d.argmin(1)][hard] == pred[hard])


@pytest.fixture(scope="module")
def prototype_answer(zoo, mnist):
    (_, _), (x, _) = mnist
    cnn, linear = zoo("mnist_cnn"), zoo("mnist_linear")
    change = _hard_agreement(cnn, linear, x, 20) - _hard_agreement(cnn, linear, x, 5)
    answer = "about the same" if abs(change) <= 0.02 else ("higher" if change > 0 else "lower")
    return cnn, linear, x, answer


def test_prototype_prediction_right_and_wrong(prototype_answer, capsys):
    cnn, linear, x, answer = prototype_answer
    assert exercises.check_prototype_prediction(answer, cnn, linear, x)
    assert capsys.readouterr().out.startswith("Correct")
    wrong = next(o for o in ("higher", "lower", "about the same") if o != answer)
    assert not exercises.check_prototype_prediction(wrong, cnn, linear, x)
    assert capsys.readouterr().out.startswith("Not yet")


@pytest.mark.parametrize("prediction, hint", [("more", "should be one of"), (1, "should be one of")])
def test_prototype_prediction_malformed(prototype_answer, capsys, prediction, hint):
    cnn, linear, x, _ = prototype_answer
    assert not exercises.check_prototype_prediction(prediction, cnn, linear, x)
    assert hint in capsys.readouterr().out


def test_prototype_prediction_needs_the_test_set(prototype_answer, capsys):
    cnn, linear, x, answer = prototype_answer
    assert not exercises.check_prototype_prediction(answer, cnn, linear, x[:100])
    assert "2,000" in capsys.readouterr().out
