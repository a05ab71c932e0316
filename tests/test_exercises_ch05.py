"""Chapter 5 auto-check: share of LIME's positive evidence on the ink."""

import numpy as np
import pytest

from xai_teach import exercises


@pytest.fixture(scope="module")
def case(digits):
    x, _ = digits
    image = x[7]
    # A planted attribution: +1 on a known block, -2 on another, small positive noise elsewhere.
    values = np.random.default_rng(0).uniform(0, 0.05, (28, 28))
    values[4:12, 4:12] = 1.0
    values[16:20, 16:20] = -2.0
    ink = image[:, :, 0] > 0.2
    pos = np.maximum(values, 0)
    return values, image, ink, pos[ink].sum() / pos.sum()


def test_right_answer_passes(case, capsys):
    values, image, _, right = case
    assert exercises.check_ink_share(right, values, image)
    assert capsys.readouterr().out.startswith("Correct")


def test_known_answer():
    # All positive mass on a fully inked block: share 1; moved to a blank block: share 0.
    image = np.zeros((28, 28, 1), "float32")
    image[:10, :10] = 1.0
    values = np.zeros((28, 28))
    values[2:5, 2:5] = 3.0
    assert exercises.check_ink_share(1.0, values, image)
    values[:] = 0
    values[20:25, 20:25] = 1.0
    assert exercises.check_ink_share(0.0, values, image)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda values, ink, right: 1 - right, "off the ink"),
        (lambda values, ink, right: np.abs(values)[ink].sum() / np.abs(values).sum(), "np.abs"),
        (lambda values, ink, right: ink.mean(), "share of pixels"),
        (lambda values, ink, right: 100 * right, "percentage"),
        (lambda values, ink, right: right / 2, "sum the positive values"),
        (lambda values, ink, right: "half", "one number"),
    ],
)
def test_wrong_answers_get_specific_feedback(case, capsys, wrong, hint):
    values, image, ink, right = case
    assert not exercises.check_ink_share(wrong(values, ink, right), values, image)
    out = capsys.readouterr().out
    assert out.startswith("Not yet") and hint in out
    assert f"{right:.3f}" not in out and f"{right:.2f}" not in out


def test_no_positive_mass_is_explained(case, capsys):
    _, image, _, _ = case
    assert not exercises.check_ink_share(0.5, -np.ones((28, 28)), image)
    assert "no positive mass" in capsys.readouterr().out


def test_threshold_compares_in_the_image_dtype(capsys):
    # MNIST grey levels are k / 255 in float32; 51 / 255 is exactly 0.2 there and is not ink.
    image = np.zeros((28, 28, 1), "float32")
    image[:5] = np.float32(51 / 255)
    image[5:10] = 1.0
    values = np.ones((28, 28))
    pos_share = float(np.mean(image[:, :, 0] > 0.2))
    assert exercises.check_ink_share(pos_share, values, image)


# ----------------------------------------------------------------- predict-then-verify: blank superpixels


def test_blank_superpixels_right_letter_passes_in_any_spelling(capsys):
    for spelling in ("b", "B", " (b) "):
        assert exercises.check_blank_superpixels(spelling)
        assert capsys.readouterr().out.startswith("Correct")


@pytest.mark.parametrize("letter, phrase", [("a", "does not know"), ("c", "never sees"), ("d", "no effect")])
def test_blank_superpixels_wrong_letters_get_specific_feedback(capsys, letter, phrase):
    assert not exercises.check_blank_superpixels(letter)
    out = capsys.readouterr().out
    assert out.startswith("Not yet") and phrase in out


@pytest.mark.parametrize("bad", ["e", "", 2, None, ["b"]])
def test_blank_superpixels_rejects_anything_but_a_letter(capsys, bad):
    assert not exercises.check_blank_superpixels(bad)
    assert "one letter" in capsys.readouterr().out


def test_the_answer_b_is_what_lime_does(digits, zoo):
    # The fact behind the right letter: blank superpixels get non-zero weights that change with the seed
    # and are smaller on average than the inked superpixels' weights.
    from xai_teach import explain
    from xai_teach.explain.perturbation import segment

    x, _ = digits
    image = x[7]
    labels = segment(image, "grid")
    blank = np.array([image[labels == s].max() == 0 for s in range(labels.max() + 1)])
    assert 0 < blank.sum() < blank.size
    runs = [
        explain.lime_image(zoo("mnist_cnn"), image, num_samples=500, random_state=s).values[0][::4, ::4].ravel()
        for s in (0, 1)
    ]
    for w in runs:
        assert np.all(w[blank] != 0)
        assert np.abs(w[blank]).mean() < np.abs(w[~blank]).mean()
    assert not np.allclose(runs[0][blank], runs[1][blank])
