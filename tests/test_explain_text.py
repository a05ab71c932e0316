"""Text explainers: the model's own tokens, LIME/SHAP word maps, attention and gradient x input."""

import numpy as np
import pytest
import tensorflow as tf

from xai_teach import explain, models
from xai_teach.explain import text

TEXT_MODELS = ("imdb_bow", "imdb_lstm", "imdb_transformer")


@pytest.fixture(scope="module")
def reviews(imdb):
    (_, _), (texts, _) = imdb
    return texts[:4]


@pytest.mark.parametrize("name", TEXT_MODELS)
def test_tokens_are_the_words_the_vectorizer_reads(name, zoo, imdb):
    model = zoo(name)
    (_, _), (texts, _) = imdb
    sample = texts[:200] + ["Don't STOP -- it's a well-known <b>classic</b>!!!  Ünïcode café…"]
    tokens = explain.tokenize(model, sample)
    vec = model.get_layer("vectorize")
    vocab = {str(w): i for i, w in enumerate(vec.get_vocabulary())}
    ids = np.asarray(vec(tf.constant(sample)))
    for row, words in zip(ids, tokens):
        expected = [vocab.get(w, vocab["[UNK]"]) for w in words]
        if name == "imdb_bow":  # multi-hot: the set of word ids
            assert set(np.flatnonzero(row)) == set(expected)
        else:
            assert len(words) <= models.SEQ_LEN
            assert row[: len(words)].tolist() == expected and not row[len(words) :].any()
    assert tokens[-1][:6] == ["dont", "stop", "its", "a", "wellknown", "bclassicb"]
    # The tokens joined by spaces are the review as far as the model can tell.
    joined = [" ".join(t) for t in tokens[:20]]
    np.testing.assert_allclose(models.predict_proba(model, joined), models.predict_proba(model, sample[:20]), atol=1e-6)


def test_long_reviews_are_cut_where_sequence_models_stop_reading(zoo):
    review = " ".join(f"w{i}" for i in range(400))
    assert len(explain.tokenize(zoo("imdb_lstm"), review)[0]) == models.SEQ_LEN
    assert len(explain.tokenize(zoo("imdb_bow"), review)[0]) == 400


@pytest.mark.parametrize("method", [explain.lime_text, explain.shap_text], ids=lambda f: f.__name__)
@pytest.mark.parametrize("name", TEXT_MODELS)
def test_lime_and_shap_give_one_value_per_token(method, name, zoo, reviews):
    model = zoo(name)
    params = {"num_samples": 150} if method is explain.lime_text else {"max_evals": 80}
    attr = method(model, reviews[:2], **params)
    assert attr.tokens == explain.tokenize(model, reviews[:2])
    assert [v.shape for v in attr.values] == [(len(t),) for t in attr.tokens]
    assert all(np.all(np.isfinite(v)) and np.any(v != 0) for v in attr.values)
    np.testing.assert_array_equal(attr.targets, models.predict_proba(model, reviews[:2]).argmax(1))


def test_shap_text_values_add_up_to_the_change_from_all_unknown_words(zoo, reviews):
    model = zoo("imdb_transformer")
    for algorithm, evals in (("partition", 100), ("permutation", 600)):
        attr = explain.shap_text(model, reviews[:1], targets=1, max_evals=evals, algorithm=algorithm)
        words = attr.tokens[0]
        full = models.predict_proba(model, reviews[:1])[0, 1]
        masked = models.predict_proba(model, [" ".join([text.UNK] * len(words))])[0, 1]
        assert attr.values[0].sum() == pytest.approx(full - masked, abs=1e-4)


def test_shap_text_seeds(zoo):
    model = zoo("imdb_bow")
    review = "a truly wonderful film with a dull middle and a great ending"
    a = explain.shap_text(model, review, algorithm="permutation", max_evals=200, random_state=1)
    b = explain.shap_text(model, review, algorithm="permutation", max_evals=200, random_state=1)
    c = explain.shap_text(model, review, algorithm="permutation", max_evals=200, random_state=2)
    np.testing.assert_array_equal(a.values[0], b.values[0])
    assert not np.allclose(a.values[0], c.values[0])
    with pytest.raises(ValueError, match="max_evals >= 2 x words"):
        explain.shap_text(model, review, algorithm="permutation", max_evals=20)


def test_lime_text_seeds_and_modes(zoo):
    model = zoo("imdb_bow")
    review = "the film was good and the acting was good but the end was bad"
    a = explain.lime_text(model, review, num_samples=300, random_state=1)
    b = explain.lime_text(model, review, num_samples=300, random_state=1)
    c = explain.lime_text(model, review, num_samples=300, random_state=2)
    np.testing.assert_array_equal(a.values[0], b.values[0])
    assert not np.allclose(a.values[0], c.values[0])
    # Bag-of-words mode: a word is one feature, so all its occurrences share one value.
    bow = explain.lime_text(model, review, num_samples=300, bow=True)
    words = np.array(bow.tokens[0])
    for word in ("the", "was", "good"):
        assert len(set(bow.values[0][words == word])) == 1


def test_lime_text_on_the_bag_of_words_logit_recovers_word_weights(zoo):
    """imdb_bow's logit is linear in which words are present; LIME's bag-of-words surrogate finds the weights."""
    model = zoo("imdb_bow")
    vec = model.get_layer("vectorize")
    vocab = vec.get_vocabulary()
    review = " ".join(vocab[2:42])  # 40 distinct in-vocabulary words, so removing any word is linear
    attr = explain.lime_text(model, review, targets=1, num_samples=3000, bow=True, output="logits")
    kernel = model.get_layer("logits").get_weights()[0]
    weights = kernel[[vocab.index(w) for w in attr.tokens[0]], 1]
    np.testing.assert_allclose(attr.values[0], weights, atol=0.05 * np.abs(weights).max())


def test_attention_is_a_distribution_over_real_words(zoo, reviews):
    model = zoo("imdb_transformer")
    attr = explain.attention(model, reviews)
    for v, t in zip(attr.values, attr.tokens):
        assert v.shape == (len(t),) and np.all(v >= 0)
        assert v.sum() == pytest.approx(1.0, abs=1e-4)
    # The same numbers straight from the attention layer, head by head.
    scores = np.asarray(models.attention_model(model)(tf.constant(reviews[:1])))
    n = len(attr.tokens[0])
    for head in (0, 1):
        one = explain.attention(model, reviews[:1], head=head)
        np.testing.assert_allclose(one.values[0], scores[0, head, :n, :n].mean(0), rtol=1e-5)
    np.testing.assert_allclose(attr.values[0], scores[0, :, :n, :n].mean(0).mean(0), rtol=1e-5)
    # Attention does not depend on the class explained.
    np.testing.assert_allclose(explain.attention(model, reviews[:1], targets=0).values[0], attr.values[0])
    with pytest.raises(ValueError, match="head"):
        explain.attention(model, reviews[:1], head=2)


@pytest.mark.parametrize("name", ["imdb_bow", "imdb_lstm"])
def test_attention_refuses_models_without_attention(name, zoo, reviews):
    with pytest.raises(ValueError, match="no attention layer"):
        explain.attention(zoo(name), reviews[:1])


def test_gradient_x_input_on_bag_of_words_adds_up_to_the_logit(zoo, reviews):
    model = zoo("imdb_bow")
    attr = explain.gradient_x_input(model, reviews)
    kernel, bias = model.get_layer("logits").get_weights()
    logits = np.asarray(models.logits_model(model)(tf.constant(reviews)))
    for i, v in enumerate(attr.values):
        c = attr.targets[i]
        assert v.sum() == pytest.approx(logits[i, c] - bias[c], abs=1e-4)
    words = np.array(attr.tokens[0])
    vocab = model.get_layer("vectorize").get_vocabulary()
    first = words[0]
    count = (words == first).sum()
    assert attr.values[0][0] == pytest.approx(kernel[vocab.index(first), attr.targets[0]] / count, rel=1e-4)


@pytest.mark.parametrize("name", ["imdb_lstm", "imdb_transformer"])
def test_gradient_x_input_on_embeddings_by_hand(name, zoo, reviews):
    model = zoo(name)
    attr = explain.gradient_x_input(model, reviews[:2], targets=[0, 1])
    ids = model.get_layer("vectorize")(tf.constant(reviews[:2]))
    emb = tf.convert_to_tensor(model.get_layer("embedding")(ids))
    import keras

    sub = keras.Model(
        [model.get_layer("embedding").output, model.get_layer("mask").output], model.get_layer("logits").output
    )
    with tf.GradientTape() as tape:
        tape.watch(emb)
        out = sub([emb, ids != 0])
        picked = out[0, 0] + out[1, 1]
    expected = (tape.gradient(picked, emb).numpy() * emb.numpy()).sum(-1)
    for i in range(2):
        np.testing.assert_allclose(attr.values[i], expected[i, : len(attr.tokens[i])], rtol=1e-4, atol=1e-6)


def test_text_bad_inputs(zoo):
    model = zoo("imdb_transformer")
    for method in explain.TEXT_METHODS.values():
        with pytest.raises(ValueError, match="empty string"):
            method(model, ["fine", "  "])
        with pytest.raises(ValueError, match="no word the model reads"):
            method(model, ["!!! ..."])
        with pytest.raises(ValueError, match="empty list"):
            method(model, [])
        with pytest.raises(TypeError, match="must be a str"):
            method(model, ["fine", 3])
        with pytest.raises(ValueError, match="targets must lie in 0..1"):
            method(model, ["fine"], targets=2)
        with pytest.raises(TypeError, match="explains text models|numeric images"):
            method(zoo("mnist_cnn"), ["fine"])
        with pytest.raises(TypeError, match="unknown parameter"):
            method(model, ["fine"], num_sample=3)
