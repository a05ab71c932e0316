"""The model zoo: builders, shipped weights, accuracy floors, text prediction and clear errors."""

import json
import shutil

import keras
import numpy as np
import pytest

from xai_teach import integrity, models

FLOORS = {"mnist_linear": 0.88, "mnist_cnn": 0.975, "imdb_bow": 0.84, "imdb_lstm": 0.82, "imdb_transformer": 0.82}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_shipped_model_reaches_accuracy_floor(name, zoo, mnist, imdb):
    model = zoo(name)
    (_, _), (x_test, y_test) = mnist if name.startswith("mnist") else imdb
    probs = models.predict_proba(model, x_test)
    assert probs.shape == (len(y_test), 10 if name.startswith("mnist") else 2)
    np.testing.assert_allclose(probs.sum(1), 1.0, rtol=1e-5)
    accuracy = float(np.mean(probs.argmax(1) == y_test))
    assert accuracy >= FLOORS[name]
    # The model card quotes the same accuracy the shipped weights give.
    assert models.model_card(name)["test_accuracy"] == pytest.approx(accuracy, abs=1e-3)


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_models_are_functional_with_named_heads(name, zoo):
    model = zoo(name)
    assert isinstance(model, keras.Model) and not isinstance(model, keras.Sequential)
    assert model.get_layer("logits") is not None and model.get_layer("probs") is not None
    card = models.model_card(name)
    assert {"seed", "epochs", "data", "versions", "test_accuracy"} <= set(card)


def test_logits_model_matches_softmax(zoo, digits):
    model = zoo("mnist_cnn")
    x, _ = digits
    logits = np.asarray(models.logits_model(model)(x))
    probs = models.predict_proba(model, x)
    e = np.exp(logits - logits.max(1, keepdims=True))
    np.testing.assert_allclose(e / e.sum(1, keepdims=True), probs, rtol=1e-4, atol=1e-6)


def test_cnn_has_last_conv_for_cams(zoo):
    assert zoo("mnist_cnn").get_layer("last_conv").output.shape[1:3] == (14, 14)


def test_text_prediction_and_attention(zoo):
    model = zoo("imdb_transformer")
    reviews = ["A wonderful, moving film with superb acting.", "Terrible plot, awful acting, a waste of time."]
    probs = models.predict_proba(model, reviews)
    assert probs.shape == (2, 2) and probs[0, 1] > 0.5 > probs[1, 1]
    scores = np.asarray(models.attention_model(model)(np.array(reviews, dtype=object)))
    assert scores.shape == (2, 2, models.SEQ_LEN, models.SEQ_LEN)
    np.testing.assert_allclose(scores.sum(-1), 1.0, rtol=1e-4)
    # Padding is masked: no query attends to the padding after the review's last word.
    n_words = len(reviews[0].split())
    assert scores[0, :, 0, n_words:].max() < 1e-6


def test_predict_proba_rejects_non_strings_for_text(zoo):
    with pytest.raises(TypeError, match="list of str"):
        models.predict_proba(zoo("imdb_bow"), "one review as a bare string")
    with pytest.raises(TypeError, match="list of str"):
        models.predict_proba(zoo("imdb_bow"), [1, 2])


def test_unknown_model_name():
    with pytest.raises(ValueError, match="Unknown model 'mnist_resnet'; expected one of mnist_linear"):
        models.load_pretrained("mnist_resnet")


def test_corrupted_weights_are_refused(tmp_path, monkeypatch):
    copy = tmp_path / "assets"
    shutil.copytree(integrity.ASSETS, copy)
    monkeypatch.setattr(integrity, "ASSETS", copy)
    monkeypatch.setattr(integrity, "MANIFEST", copy / "manifest.json")
    path = copy / "models" / "mnist_linear.keras"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(integrity.IntegrityError, match=r"mnist_linear\.keras is corrupted.*xai_teach\.models --all"):
        models.load_pretrained("mnist_linear")


def test_training_is_seeded_and_learns():
    model, card = models.train("mnist_linear", epochs=2, seed=3)
    again, _ = models.train("mnist_linear", epochs=2, seed=3)
    for a, b in zip(model.get_weights(), again.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert card["test_accuracy"] > 0.8 and card["seed"] == 3 and card["epochs"] == 2
    json.dumps(card)


# P(positive) of each shipped text model, recorded with Keras 3.12 from the models as first saved (.keras files).
# Every stack (oldest, ours, Colab, newest) must give these: the models are rebuilt from a plain vocabulary and
# weights by key, so no Keras version's serialisation of lookup layers can change them.
REVIEWS = [
    "A wonderful, moving film with superb acting.",
    "Terrible plot, awful acting, a waste of time.",
    "It was okay \x85 not great, not bad; the ending dragged.",
    "zzqx unknownword blorf",
]
RECORDED = {
    "imdb_bow": [0.8411875, 0.0187175, 0.2166847, 0.5201028],
    "imdb_lstm": [0.9976897, 0.0000349, 0.0691520, 0.2726195],
    "imdb_transformer": [0.9999932, 0.0000046, 0.0000090, 0.9997430],
}


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_text_models_predict_as_recorded_on_every_keras(name, zoo):
    probs = models.predict_proba(zoo(name), REVIEWS)[:, 1]
    np.testing.assert_allclose(probs, RECORDED[name], rtol=1e-4, atol=2e-6, err_msg=f"Keras {keras.__version__}")


def test_vocabulary_keeps_words_that_python_splits_lines_at(zoo):
    """IMDB reviews contain U+0085 (NEL), a line break to str.splitlines(): Keras 3.15's .keras reader splits there."""
    vocab = [str(w) for w in zoo("imdb_bow").get_layer("vectorize").get_vocabulary()]
    assert "\x85" in vocab and len(vocab) == len(set(vocab)) == models.VOCAB
    seq_vocab = [str(w) for w in zoo("imdb_lstm").get_layer("vectorize").get_vocabulary()]
    assert seq_vocab[:2] == ["", "[UNK]"] and seq_vocab[2:] == vocab[1:-1]


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_text_model_save_and_load_round_trip(name, zoo, tmp_path):
    model = zoo(name)
    written = models.save_text_model(model, name, folder=tmp_path)
    assert [p.name for p in written] == [f"{name}.vocab.json", f"{name}.weights.npz"]
    again = models.load_text_model(name, folder=tmp_path)
    assert [layer.name for layer in again.layers if "dropout" not in layer.name] == [
        layer.name for layer in model.layers if "dropout" not in layer.name
    ]
    np.testing.assert_array_equal(models.predict_proba(again, REVIEWS), models.predict_proba(model, REVIEWS))


def test_text_weights_that_do_not_fit_are_refused(zoo, tmp_path):
    models.save_text_model(zoo("imdb_bow"), "imdb_bow", folder=tmp_path)
    models.save_text_model(zoo("imdb_lstm"), "imdb_lstm", folder=tmp_path)
    (tmp_path / "imdb_bow.weights.npz").replace(tmp_path / "imdb_lstm.weights.npz")
    with pytest.raises(ValueError, match=r"imdb_lstm\.weights\.npz does not fit the imdb_lstm builder"):
        models.load_text_model("imdb_lstm", folder=tmp_path)
    with pytest.raises(ValueError, match="not a text model"):
        models.load_text_model("mnist_cnn")


def test_text_vectorizer_takes_texts_or_vocabulary():
    with pytest.raises(ValueError, match="either texts to adapt to or a vocabulary"):
        models.text_vectorizer()
    with pytest.raises(ValueError, match="either texts to adapt to or a vocabulary"):
        models.text_vectorizer(["a b"], vocabulary=["a", "b"])
