"""The shipped imdb_lstm_attention and imdb_lstm_uniform: accuracy, model cards, and attention read from them."""

import numpy as np
import pytest
import tensorflow as tf

from xai_teach import attention, explain, models


@pytest.mark.parametrize("name, floor", [("imdb_lstm_attention", 0.83), ("imdb_lstm_uniform", 0.80)])
def test_shipped_attention_models_reach_their_floor_and_card(name, floor, zoo, imdb):
    (_, _), (texts, labels) = imdb
    accuracy = float(np.mean(models.predict_proba(zoo(name), texts).argmax(1) == labels))
    assert accuracy >= floor
    assert models.model_card(name)["test_accuracy"] == pytest.approx(accuracy, abs=1e-3)


@pytest.mark.parametrize("name", models.EARLY_STOPPING)
def test_early_stopped_cards_record_the_validation_split_and_the_best_epoch(name):
    card = models.model_card(name)
    assert "last 1000 training examples" in card["validation"] and "9000 training examples" in card["data"]
    assert len(card["val_accuracy_per_epoch"]) == card["epochs"] <= card["max_epochs"] == models.RECIPES[name][2]
    assert card["best_epoch"] == 1 + int(np.argmax(card["val_accuracy_per_epoch"]))
    assert card["val_accuracy"] == max(card["val_accuracy_per_epoch"])
    # patience 1: training ran on past the best epoch by one epoch at most, and stopped only after a non-improvement
    assert card["epochs"] - card["best_epoch"] <= 1
    assert card["epochs"] == card["max_epochs"] or card["best_epoch"] < card["epochs"]


def test_validation_split_is_the_tail_of_the_training_set_and_only_for_early_stopping(imdb):
    (texts, labels), _ = imdb
    _, _, (x_val, y_val), x_fit = models._datasets("imdb_lstm_uniform", seed=0)
    assert len(x_fit) == 9000 and len(x_val) == 1000
    assert list(x_fit) == list(texts[:9000]) and list(x_val) == list(texts[9000:])
    np.testing.assert_array_equal(y_val, labels[9000:])
    _, _, val, x_train = models._datasets("imdb_lstm", seed=0)
    assert len(x_train) == len(texts) and val is None


def test_attention_of_the_lstm_is_a_distribution_over_its_words(zoo, imdb):
    model = zoo("imdb_lstm_attention")
    (_, _), (texts, _) = imdb
    attr = explain.attention(model, texts[:5])
    for values, words in zip(attr.values, attr.tokens):
        assert values.shape == (len(words),) and np.all(values > 0)
        assert values.sum() == pytest.approx(1.0, abs=1e-5)
    with pytest.raises(ValueError, match="no heads"):
        explain.attention(model, texts[:1], head=0)


def test_counterfactual_pass_reproduces_the_model_and_uniform_is_uniform(zoo, imdb):
    model = zoo("imdb_lstm_attention")
    (_, _), (texts, _) = imdb
    parts = attention.LSTMParts(model)
    states, mask = parts.states(texts[:4])
    weights = attention.weights_model(model)(tf.constant(texts[:4])).numpy()
    np.testing.assert_allclose(
        parts.predict(states, weights).numpy(), models.predict_proba(model, texts[:4]), atol=1e-5
    )
    uniform = attention.weights_model(zoo("imdb_lstm_uniform"))(tf.constant(texts[:4])).numpy()
    n = mask.numpy().sum(1)
    np.testing.assert_allclose(uniform.sum(1), 1.0, atol=1e-6)
    np.testing.assert_allclose(uniform.max(1), 1.0 / n, rtol=1e-5)
