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


# --- predict then verify: a ranking by look, and the predicted deletion winner ---------------------------------


def _deletion_results(means):
    """Fake deletion Results with known per-digit AUCs: method -> mean over 5 digits."""
    return {
        name: metrics.Result(
            metric="deletion",
            scores=np.full(5, m) + np.linspace(-0.01, 0.01, 5),
            targets=np.zeros(5, int),
            better="lower",
        )
        for name, m in means.items()
    }


KNOWN = {"saliency": 0.20, "integrated_gradients": 0.10, "gradcam": 0.40, "random": 0.60}


def test_right_winner_passes_and_ranking_correlation_is_reported(capsys):
    deletion = _deletion_results(KNOWN)
    assert exercises.check_deletion_prediction(
        ["integrated_gradients", "saliency", "gradcam"], "integrated_gradients", deletion
    )
    out = capsys.readouterr().out
    assert "Spearman +1.00" in out and "Correct" in out
    assert exercises.check_deletion_prediction(
        ["gradcam", "saliency", "integrated_gradients"], "integrated_gradients", deletion
    )
    assert "Spearman -1.00" in capsys.readouterr().out


@pytest.mark.parametrize(
    "ranking, winner, hint",
    [
        (["gradcam", "saliency", "integrated_gradients"], "gradcam", "comes 3 of 4"),
        (["gradcam", "saliency", "integrated_gradients"], "random", "comes 4 of 4"),
        ([], None, "write down your ranking"),
        (["gradcam", "saliency", "integrated_gradients"], None, "write down"),
        (["gradcam", "lime"], "gradcam", "unknown method 'lime'"),
        (["gradcam", "gradcam", "saliency"], "gradcam", "at least three different"),
        ("gradcam", "gradcam", "list of method names"),
    ],
)
def test_wrong_or_missing_predictions_get_specific_feedback(capsys, ranking, winner, hint):
    assert not exercises.check_deletion_prediction(ranking, winner, _deletion_results(KNOWN))
    out = capsys.readouterr().out
    assert out.startswith("Not yet") or "Not yet" in out
    assert hint in out


def test_deletion_prediction_needs_deletion_results():
    fc = {
        k: metrics.Result(metric="insertion", scores=np.ones(3), targets=np.zeros(3, int), better="higher")
        for k in "ab"
    }
    with pytest.raises(TypeError, match="metrics.deletion Result"):
        exercises.check_deletion_prediction(["a", "b"], "a", fc)
    with pytest.raises(TypeError, match="dict of at least two"):
        exercises.check_deletion_prediction(["a"], "a", {})


def test_deletion_prediction_on_real_results(case, capsys):
    """On the CNN, a map that ranks the ink first deletes the evidence faster than one that ranks it last."""
    cnn, image, _, target = case
    ink = image[..., 0]
    maps = {
        "ink first": ink,
        "ink last": 1.0 - ink,
        "random": np.random.default_rng(1).normal(size=(28, 28)),
    }
    deletion = {
        name: metrics.deletion(cnn, image[None], v[None], targets=[target], progress=False) for name, v in maps.items()
    }
    assert deletion["ink first"].mean < min(deletion["ink last"].mean, deletion["random"].mean)  # known in advance
    assert exercises.check_deletion_prediction(["ink first", "random", "ink last"], "ink first", deletion)
    assert not exercises.check_deletion_prediction(["ink last", "random", "ink first"], "ink last", deletion)
