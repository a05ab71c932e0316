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
