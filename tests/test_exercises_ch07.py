"""Chapter 7 auto-check: gradient x input of the probability, written by hand."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from xai_teach import exercises, explain

REVIEW = "A wonderful film with superb acting, although the ending was dull and the music was awful."


@pytest.fixture(scope="module")
def transformer(zoo):
    return zoo("imdb_transformer")


def _by_hand(model, review, target, layer):
    """Independent reference: gradient of ``layer``'s column ``target`` times the embeddings."""
    ids = model.get_layer("vectorize")(tf.constant([review]))
    emb = tf.convert_to_tensor(model.get_layer("embedding")(ids))
    inner = keras.Model(
        [model.get_layer("embedding").output, model.get_layer("mask").output], model.get_layer(layer).output
    )
    with tf.GradientTape() as tape:
        tape.watch(emb)
        out = inner([emb, ids != 0], training=False)[:, target]
    grad = tape.gradient(out, emb)
    return tf.reduce_sum(grad * emb, -1)[0, : len(explain.tokenize(model, review)[0])].numpy(), grad


def test_right_answer_passes(transformer, capsys):
    answer, _ = _by_hand(transformer, REVIEW, 0, "probs")
    assert exercises.check_gradient_x_input(answer, transformer, REVIEW, 0)
    assert capsys.readouterr().out.startswith("Correct")
    assert exercises.check_gradient_x_input(_by_hand(transformer, REVIEW, 1, "probs")[0], transformer, REVIEW, 1)


def test_wrong_answers_get_specific_feedback_without_expected_values(transformer, capsys):
    right, grad = _by_hand(transformer, REVIEW, 0, "probs")
    n = len(right)
    cases = [
        (_by_hand(transformer, REVIEW, 0, "logits")[0], "logit"),
        (_by_hand(transformer, REVIEW, 1, "probs")[0], "other class"),
        (tf.reduce_sum(grad, -1)[0, :n].numpy(), "multiply the gradient by the embedding"),
        (np.full(n, right.sum() / n), "split over words"),
        (np.zeros(n + 3), "one value per word"),
        ("big", "array of numbers"),
    ]
    for wrong, phrase in cases:
        assert not exercises.check_gradient_x_input(wrong, transformer, REVIEW, 0)
        out = capsys.readouterr().out
        assert out.startswith("Not yet") and phrase in out, out
        assert not any(f"{v:.4f}" in out for v in right if abs(v) > 1e-4)


# ----------------------------------------------------------------- predict-then-verify: the other class


def test_other_class_right_answer_passes(capsys):
    assert exercises.check_other_class({"LIME", "SHAP"}, {"attention"})
    assert capsys.readouterr().out.startswith("Correct")
    assert exercises.check_other_class(["SHAP", "LIME"], ("attention",))


@pytest.mark.parametrize(
    "flips, unchanged, phrase",
    [
        ({"LIME", "SHAP", "gradient x input"}, {"attention"}, "gradient x input"),
        ({"SHAP"}, {"attention"}, "LIME"),
        ({"LIME"}, {"attention"}, "SHAP"),
        ({"LIME", "SHAP"}, set(), "attention"),
        ({"LIME", "SHAP", "attention"}, {"attention"}, "cannot both"),
        ({"lime"}, set(), "not among the methods"),
        ("LIME", set(), "set of method names"),
    ],
)
def test_other_class_wrong_answers_get_specific_feedback(capsys, flips, unchanged, phrase):
    assert not exercises.check_other_class(flips, unchanged)
    out = capsys.readouterr().out
    assert out.startswith("Not yet") and phrase in out, out


def test_the_expected_answer_is_what_the_explainers_do(transformer):
    # The fact behind the check, measured with the chapter's settings on a short review.
    short = "A wonderful film, although the ending was dull."
    runs = {
        "LIME": lambda t: explain.lime_text(transformer, [short], targets=[t], num_samples=200),
        "SHAP": lambda t: explain.shap_text(transformer, [short], targets=[t], max_evals=100),
        "attention": lambda t: explain.attention(transformer, [short], targets=[t]),
        "gradient x input": lambda t: explain.gradient_x_input(transformer, [short], targets=[t]),
    }
    flips, same = set(), set()
    for name, run in runs.items():
        a, b = run(0).values[0], run(1).values[0]
        scale = np.abs(a).max()
        if np.abs(a + b).max() < 1e-5 * scale:
            flips.add(name)
        if np.abs(a - b).max() < 1e-5 * scale:
            same.add(name)
    assert (flips, same) == ({"LIME", "SHAP"}, {"attention"})
