"""Chapter 11 auto-check: right overlaps pass, typical wrong ones get specific feedback without the answer."""

import numpy as np
import pytest

from xai_teach import exercises, metrics


@pytest.fixture(scope="module")
def maps():
    rng = np.random.default_rng(0)
    change = np.abs(rng.normal(size=(28, 28))) * (rng.random((28, 28)) < 0.3)  # sparse, like a counterfactual
    attribution = rng.normal(size=(28, 28))
    attribution[change > 0] += 0.8 * change[change > 0]  # related but not identical rankings
    return change, attribution


def overlap(a, b, k, absolute=True):
    score = (lambda v: np.abs(v).ravel()) if absolute else (lambda v: v.ravel())
    top_a = np.argsort(-score(a), kind="stable")[:k]
    top_b = np.argsort(-score(b), kind="stable")[:k]
    return len(set(top_a) & set(top_b)) / k


def test_planted_overlap_is_known_in_advance():
    change = np.zeros((28, 28))
    change[0, :10] = 1.0  # the intervention moved pixels 0..9
    attribution = np.zeros((28, 28))
    attribution[0, 5:15] = -2.0  # the attribution ranks pixels 5..14 highest, with a negative sign
    assert exercises.check_top_k_overlap(0.5, change, attribution, 10)
    assert not exercises.check_top_k_overlap(0.4, change, attribution, 10)


@pytest.mark.parametrize("k", [1, 20, 50, 784])
def test_right_answer_passes_and_matches_metrics(maps, capsys, k):
    change, attribution = maps
    right = overlap(change, attribution, k)
    assert right == pytest.approx(metrics.top_k_overlap(change[None], attribution[None], k=k)[0])
    assert exercises.check_top_k_overlap(right, change, attribution, k)
    assert exercises.check_top_k_overlap(np.float32(right) if k == 1 else right, change, attribution, k)
    assert capsys.readouterr().out.startswith("Correct")


def wrong_count(change, attribution, k):
    return overlap(change, attribution, k) * k


def wrong_signed(change, attribution, k):
    return overlap(change, attribution, k, absolute=False)


def wrong_off_by_one(change, attribution, k):
    right = overlap(change, attribution, k)
    return right - 1 / k if right > 0 else right + 1 / k


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (wrong_count, "divide by k"),
        (wrong_signed, "absolute value"),
        (wrong_off_by_one, "one pixel off"),
        (lambda c, a, k: 1.5, "between 0 and 1"),
        (lambda c, a, k: "half", "one number"),
        (lambda c, a, k: [0.5], "one number"),
    ],
)
def test_wrong_answers_get_specific_feedback(maps, capsys, wrong, hint):
    change, attribution = maps
    k = 20
    right = overlap(change, attribution, k)
    answer = wrong(change, attribution, k)
    assert answer != right
    assert not exercises.check_top_k_overlap(answer, change, attribution, k)
    out = capsys.readouterr().out
    assert out.startswith("Not yet") and hint in out
    assert f"{right:.2f}" not in out and f"{right:.1f}" not in out and str(int(round(right * k))) not in out


def test_signed_ranking_differs_here(maps):
    change, attribution = maps
    assert overlap(change, attribution, 20, absolute=False) != overlap(change, attribution, 20)


@pytest.mark.parametrize(
    "args, message",
    [
        ((np.zeros((28, 27)), np.zeros((28, 28)), 5), "change should have shape"),
        ((np.zeros((28, 28)), np.zeros(784), 5), "attribution should have shape"),
        ((np.zeros((28, 28)), np.zeros((28, 28)), 0), "k must be"),
        ((np.zeros((28, 28)), np.zeros((28, 28)), 2.0), "k must be"),
    ],
)
def test_bad_setup_raises(args, message):
    with pytest.raises(ValueError, match=message):
        exercises.check_top_k_overlap(0.5, *args)


# --- predict then verify: the winner under the blur baseline ------------------------------------------------


@pytest.fixture(scope="module")
def blur_case(zoo, digits):
    cnn = zoo("mnist_cnn")
    x, y = digits[0][:4], digits[1][:4]
    ink = x[..., 0]
    explanations = {
        "ink first": ink,
        "ink last": 1.0 - ink,
        "random": np.random.default_rng(0).normal(size=ink.shape),
    }
    return cnn, x, explanations, y


def test_blur_prediction_matches_metrics_deletion(blur_case, capsys):
    cnn, x, explanations, y = blur_case
    auc = {
        k: metrics.deletion(cnn, x, a, targets=y, baseline="blur", progress=False).mean for k, a in explanations.items()
    }
    winner = min(auc, key=auc.get)
    assert winner == "ink first"  # known in advance: blurring the ink away hurts more than blurring the background
    assert exercises.check_blur_prediction(winner, *blur_case)
    assert capsys.readouterr().out.startswith("Correct")
    loser = max(auc, key=auc.get)
    assert not exercises.check_blur_prediction(loser, *blur_case)
    out = capsys.readouterr().out
    assert out.startswith("Not yet") and "comes 3 of 3" in out


@pytest.mark.parametrize(
    "prediction, hint", [(None, "write down your prediction"), ("lime", "should be one of"), (3, "should be one of")]
)
def test_blur_prediction_feedback_for_missing_or_unknown(blur_case, capsys, prediction, hint):
    assert not exercises.check_blur_prediction(prediction, *blur_case)
    assert hint in capsys.readouterr().out


def test_blur_prediction_refuses_bad_setup(blur_case):
    cnn, x, _, y = blur_case
    with pytest.raises(TypeError, match="dict of at least two"):
        exercises.check_blur_prediction("a", cnn, x, {"a": x[..., 0]}, y)
