"""Tests of xai_teach.attention: additive attention pooling and the experiments of chapter 8."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from xai_teach import attention


def _layer_and_inputs(uniform=False, seed=0):
    keras.utils.set_random_seed(seed)
    states = tf.constant(np.random.default_rng(seed).normal(size=(3, 6, 4)).astype(np.float32))
    mask = tf.constant(np.array([[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0], [1, 0, 0, 0, 0, 0]], dtype=bool))
    layer = attention.AdditiveAttention(5, uniform=uniform)
    return layer, states, mask


@pytest.mark.parametrize("uniform", [False, True])
def test_additive_weights_sum_to_one_and_ignore_padding(uniform):
    layer, states, mask = _layer_and_inputs(uniform)
    context, weights = layer([states, mask], return_weights=True)
    w = weights.numpy()
    np.testing.assert_allclose(w.sum(1), 1.0, atol=1e-6)
    assert np.all(w[~mask.numpy()] == 0) and np.all(w[mask.numpy()] > 0)
    np.testing.assert_allclose(context.numpy(), np.einsum("nl,nld->nd", w, states.numpy()), atol=1e-5)
    if uniform:
        np.testing.assert_allclose(w[1, :3], 1 / 3, atol=1e-7)


def test_padding_values_do_not_change_the_output():
    layer, states, mask = _layer_and_inputs()
    noisy = states.numpy().copy()
    noisy[~mask.numpy()] = 1e3  # garbage in the padded positions
    a = layer([states, mask]).numpy()
    b = layer([tf.constant(noisy), mask]).numpy()
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_weights_follow_the_scores():
    layer, states, mask = _layer_and_inputs()
    _, weights = layer([states, mask], return_weights=True)
    u = layer.scores(states).numpy()[0]
    expected = np.exp(u - u.max()) / np.exp(u - u.max()).sum()
    np.testing.assert_allclose(weights.numpy()[0], expected, rtol=1e-5)


def test_entropy_and_max_known_values():
    rel, top = attention.entropy_and_max([np.full(4, 0.25), np.array([1.0, 0.0, 0.0, 0.0]), np.array([0.5, 0.5])])
    np.testing.assert_allclose(rel, [1.0, 0.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(top, [0.25, 1.0, 0.5])
    with pytest.raises(ValueError, match="distribution"):
        attention.entropy_and_max([np.array([0.5, 0.2])])


def test_jsd_and_tvd_known_values():
    p, q = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    assert attention.jsd(p, q) == pytest.approx(np.log(2))
    assert attention.jsd(p, p) == pytest.approx(0.0)
    assert attention.tvd(p, q) == pytest.approx(1.0)
    assert attention.tvd([0.2, 0.8], [0.5, 0.5]) == pytest.approx(0.3)


def test_stratified_medians_per_bin():
    max_weight = np.array([0.01, 0.03, 0.04, 0.3, 0.9])
    change = np.array([[0.0, 0.0, 0.0], [0.1, 0.2, 0.3], [0.3, 0.4, 0.5], [0.5, 0.5, 0.5], [0.7, 0.9, 0.8]])
    out = attention.stratified(max_weight, change, bins=(0.0, 0.02, 0.05, 0.5, 1.0))
    assert [b["reviews"] for b in out] == [1, 2, 1, 1]
    np.testing.assert_allclose([b["median_change"] for b in out], [0.0, 0.3, 0.5, 0.8])
    with pytest.raises(ValueError, match="increasing"):
        attention.stratified(max_weight, change, bins=(0.5, 0.1))
    with pytest.raises(ValueError, match="one row per review"):
        attention.stratified(max_weight[:3], change)


def _toy_predict(values):
    """A two-class 'model' whose positive logit is the attention-weighted mean of per-word values."""
    v = tf.constant(values, tf.float32)

    def predict(weights):
        z = tf.reduce_sum(tf.cast(weights, tf.float32) * v, axis=1)
        return tf.stack([tf.sigmoid(-z), tf.sigmoid(z)], axis=1)

    return predict


def test_permutation_test_is_zero_for_uniform_attention_and_positive_for_peaked():
    values = np.array([[3.0, -3.0, 0.5, 0.0], [3.0, -3.0, 0.5, 0.0]])
    weights = np.array([[0.25, 0.25, 0.25, 0.25], [0.97, 0.01, 0.01, 0.01]])
    rows_seen = []

    def by_rows(w, rows):
        rows_seen.append(rows)
        return _toy_predict(values[rows])(w).numpy()

    change = attention.permutation_tvd(by_rows, weights, np.array([4, 4]), n_perm=30)
    assert list(rows_seen[1][:31:30]) == [0, 1]
    assert change.shape == (2, 30)
    np.testing.assert_allclose(change[0], 0.0, atol=1e-6)
    assert np.median(change[1]) > 0.1


def test_permutation_test_in_chunks_gives_the_same_changes(monkeypatch):
    values = np.random.default_rng(1).normal(size=(3, 5))
    weights = np.random.default_rng(2).dirichlet(np.ones(5), size=3)

    def by_rows(w, rows):
        return _toy_predict(values[rows])(w).numpy()

    whole = attention.permutation_tvd(by_rows, weights, np.array([5, 4, 3]), n_perm=7)
    monkeypatch.setattr(attention, "PERMUTATION_CHUNK", 4)  # 21 permuted rows in 6 calls
    np.testing.assert_allclose(
        attention.permutation_tvd(by_rows, weights, np.array([5, 4, 3]), n_perm=7), whole, atol=1e-6
    )


def test_adversarial_attention_grows_jsd_and_keeps_the_output_within_epsilon():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(4, 8))
    values[:, :4] = 0.0  # four words that do not move the output: room for a very different attention
    weights = np.full((4, 8), 1 / 8)
    mask = np.ones((4, 8), dtype=bool)
    predict = _toy_predict(values)
    out = attention.adversarial(predict, weights, mask, epsilon=0.01, steps=150, learning_rate=0.1)
    assert np.all(out["jsd"] > 0.1)  # far from the original (ln 2 = 0.69 is the maximum)
    assert np.all(out["output_change"] <= 0.01)
    np.testing.assert_allclose(out["weights"].sum(1), 1.0, atol=1e-5)
    p0, p1 = predict(weights).numpy(), predict(out["weights"]).numpy()
    assert np.all(attention.tvd(p0, p1) <= 0.01 + 1e-6)
    np.testing.assert_allclose(out["jsd"], attention.jsd(out["weights"], weights), atol=1e-5)


def test_adversarial_refuses_bad_arguments():
    predict = _toy_predict(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="epsilon"):
        attention.adversarial(predict, np.full((1, 3), 1 / 3), np.ones((1, 3), bool), epsilon=2.0)
    with pytest.raises(ValueError, match="both be"):
        attention.adversarial(predict, np.full((1, 3), 1 / 3), np.ones((1, 4), bool))


def _tiny_transformer():
    from xai_teach import models

    keras.utils.set_random_seed(0)
    texts = ["a good film", "a bad and awful film", "good acting, bad plot and a long film", "fine"]
    net = models.imdb_transformer(models.text_vectorizer(texts))
    return net, texts


def test_transformer_parts_reproduce_the_model_and_cut_the_padding():
    from xai_teach import models

    net, texts = _tiny_transformer()
    parts = attention.TransformerParts(net)
    x, mask = parts.inputs(texts)
    assert x.shape[1] == mask.shape[1] == 8  # the longest review has 8 words
    probs = parts.predict(x, mask, parts.attention(x, mask)).numpy()
    np.testing.assert_allclose(probs, models.predict_proba(net, texts), atol=1e-5)
    with pytest.raises(ValueError, match="imdb_transformer"):
        attention.TransformerParts(models.imdb_lstm(models.text_vectorizer(texts)))


def test_adversarial_heads_grows_jsd_and_keeps_the_output_within_epsilon():
    net, texts = _tiny_transformer()
    parts = attention.TransformerParts(net)
    x, mask = parts.inputs(texts[:3])
    a0 = parts.attention(x, mask).numpy()
    m = mask.numpy()

    def predict(a):
        return parts.predict(x, mask, a)

    out = attention.adversarial_heads(predict, a0, m, epsilon=0.01, steps=100)
    assert np.all(out["jsd"] > 0.1)  # the model's own attention has JSD 0
    assert np.all(out["output_change"] <= 0.01)
    keys = np.broadcast_to(m[:, None, None, :], a0.shape)
    rows = np.broadcast_to(m[:, None, :, None], a0.shape)
    w = out["weights"]
    assert np.all(w[~keys & rows] == 0)  # real words never attend to padding
    np.testing.assert_allclose(w.sum(-1)[rows[..., 0]], 1.0, atol=1e-5)
    assert np.all(attention.tvd(predict(a0).numpy(), predict(w).numpy()) <= 0.01 + 1e-6)
    per_row = attention.jsd(w, a0)  # (n, heads, L); mean over heads and real query words
    expected = [per_row[i][:, m[i]].mean() for i in range(len(w))]
    np.testing.assert_allclose(out["jsd"], expected, atol=1e-5)


def test_adversarial_heads_refuses_bad_arguments():
    a = np.full((1, 2, 3, 3), 1 / 3)
    with pytest.raises(ValueError, match="heads, L, L"):
        attention.adversarial_heads(lambda w: w, a, np.ones((1, 4), bool))
    with pytest.raises(ValueError, match="epsilon"):
        attention.adversarial_heads(lambda w: w, a, np.ones((1, 3), bool), epsilon=0.0)
    with pytest.raises(ValueError, match="at least one real word"):
        attention.adversarial_heads(lambda w: w, a, np.zeros((1, 3), bool))
