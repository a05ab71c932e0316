"""The model zoo: Keras 3 functional models with pretrained weights shipped in the package.

Every model is built with the functional API (tf-keras-vis cannot read Keras 3
``Sequential`` models) and ends in a layer named ``"logits"`` followed by a
softmax layer named ``"probs"``, so explainers can work on either.

========================  ===========================================================
name                      what it is
========================  ===========================================================
``mnist_linear``          softmax regression on pixels: globally interpretable
``mnist_cnn``             small CNN; its last convolution is named ``"last_conv"``
``imdb_bow``              bag-of-words logistic regression: one weight per word
``imdb_lstm``             bidirectional LSTM over word embeddings
``imdb_transformer``      one Transformer block; its attention layer is ``"attention"``
``mnist_senn``            self-explaining network (:mod:`xai_teach.senn`): 5 concepts
``imdb_lstm_attention``   BiLSTM + additive attention pooling (:mod:`xai_teach.attention`)
``imdb_lstm_uniform``     the same with attention frozen to uniform (a baseline)
========================  ===========================================================

MNIST models take float images (n, 28, 28, 1) in [0, 1]; IMDB models take raw
review strings. All return (n, classes) probabilities (IMDB: ``[negative,
positive]``). ``python -m xai_teach.models --all`` retrains every model from the
embedded data with a fixed seed and rewrites the shipped weights and model cards.
"""

import argparse
import json
import time

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from . import attention, cards, checks, data, forward
from .attention import attention_model  # noqa: F401  (chapters read the transformer's attention as models.attention_model)
from .blocks import EMBED, SEQ_LEN, VOCAB, PaddingMask  # noqa: F401  (the zoo's sizes, read as models.VOCAB, ...)
from .blocks import embed_words as _embed
from .blocks import logits_and_probs as _head
from .cards import model_summary  # noqa: F401  (models.model_summary, as before)
from .integrity import ASSETS, asset_path


@keras.saving.register_keras_serializable(package="xai_teach")
class PositionEmbedding(layers.Layer):
    """Add a learned vector per position to a (batch, length, width) sequence."""

    def build(self, input_shape):
        self.positions = self.add_weight(
            shape=(input_shape[1], input_shape[2]), initializer="glorot_uniform", name="positions"
        )

    def call(self, x):
        return x + self.positions


def mnist_linear():
    """Softmax regression: one 28x28 weight template per digit class."""
    image = keras.Input((28, 28, 1), name="image")
    return keras.Model(image, _head(layers.Flatten()(image), 10), name="mnist_linear")


def mnist_cnn():
    """Three 3x3 convolutions (the last one, 14x14, named ``last_conv``) and a dense layer."""
    image = keras.Input((28, 28, 1), name="image")
    x = layers.Conv2D(16, 3, padding="same", activation="relu", name="conv1")(image)
    x = layers.Conv2D(32, 3, padding="same", activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(name="pool1")(x)
    x = layers.Conv2D(32, 3, padding="same", activation="relu", name="last_conv")(x)
    x = layers.MaxPooling2D(name="pool2")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(64, activation="relu", name="dense")(x)
    x = layers.Dropout(0.3)(x)
    return keras.Model(image, _head(x, 10), name="mnist_cnn")


def text_vectorizer(texts=None, multi_hot=False, vocabulary=None):
    """A ``TextVectorization`` layer (lower-cased, punctuation stripped), named ``vectorize``.

    Args:
        texts: reviews to adapt the vocabulary to (training); or ``None`` with ``vocabulary``.
        multi_hot: one 0/1 entry per vocabulary word (``imdb_bow``) instead of ``SEQ_LEN`` word ids.
        vocabulary: a list of words as :meth:`get_vocabulary` returns it (the shipped models' vocabulary).
    """
    if (texts is None) == (vocabulary is None):
        raise ValueError("text_vectorizer takes either texts to adapt to or a vocabulary, not both and not neither.")
    shape = {"output_mode": "multi_hot"} if multi_hot else {"output_sequence_length": SEQ_LEN}
    vec = layers.TextVectorization(max_tokens=VOCAB, vocabulary=vocabulary, name="vectorize", **shape)
    if texts is not None:
        vec.adapt(tf.constant(list(texts)), batch_size=512)
    return vec


def imdb_bow(vectorizer):
    """Logistic regression on word presence: each word has one weight per class."""
    text = keras.Input((), dtype="string", name="text")
    x = vectorizer(text)
    logits = layers.Dense(2, kernel_regularizer=keras.regularizers.L2(1e-4), name="logits")(x)
    return keras.Model(text, layers.Softmax(name="probs")(logits), name="imdb_bow")


def imdb_lstm(vectorizer):
    """A bidirectional LSTM reads the embedded words; padding is masked."""
    text = keras.Input((), dtype="string", name="text")
    emb, mask = _embed(vectorizer, text)
    x = layers.Bidirectional(layers.LSTM(32), name="bilstm")(emb, mask=mask)
    x = layers.Dropout(0.3)(x)
    return keras.Model(text, _head(x, 2), name="imdb_lstm")


def imdb_transformer(vectorizer, heads=2):
    """One Transformer encoder block; read its attention with :func:`xai_teach.attention.attention_model`."""
    text = keras.Input((), dtype="string", name="text")
    emb, mask = _embed(vectorizer, text)
    x = PositionEmbedding(name="position")(emb)
    att = layers.MultiHeadAttention(heads, EMBED // heads, name="attention")(x, x, query_mask=mask, value_mask=mask)
    x = layers.LayerNormalization(name="norm1")(x + layers.Dropout(0.1)(att))
    ff = layers.Dense(EMBED, name="ff2")(layers.Dense(64, activation="relu", name="ff1")(x))
    x = layers.LayerNormalization(name="norm2")(x + layers.Dropout(0.1)(ff))
    x = layers.GlobalAveragePooling1D(name="pool")(x, mask=mask)
    x = layers.Dropout(0.3)(x)
    return keras.Model(text, _head(x, 2), name="imdb_transformer")


def mnist_senn():
    """Self-explaining neural network: 5 learned concepts and their relevances per class."""
    from . import senn  # imported lazily, so that senn may use this module

    return senn.build()


def imdb_lstm_attention(vectorizer):
    """BiLSTM + additive (Bahdanau) attention pooling, Jain & Wallace's setup (:mod:`xai_teach.attention`)."""
    return attention.imdb_lstm_attention(vectorizer)


def imdb_lstm_uniform(vectorizer):
    """``imdb_lstm_attention`` with its attention frozen to uniform over the real words."""
    return attention.imdb_lstm_uniform(vectorizer)


# name -> (builder, dataset, epochs, batch size, learning rate)
RECIPES = {
    "mnist_linear": (mnist_linear, "mnist", 30, 64, 3e-3),
    "mnist_cnn": (mnist_cnn, "mnist", 25, 64, 2e-3),
    "imdb_bow": (imdb_bow, "imdb", 8, 64, 3e-3),
    "imdb_lstm": (imdb_lstm, "imdb", 4, 64, 2e-3),
    "imdb_transformer": (imdb_transformer, "imdb", 4, 64, 1e-3),
    # SENN trains with its own loss: train() hands it to senn.train, which holds its epochs, batch and rate.
    "mnist_senn": (mnist_senn, "mnist", None, None, None),
    "imdb_lstm_attention": (imdb_lstm_attention, "imdb", 4, 64, 2e-3),
    "imdb_lstm_uniform": (imdb_lstm_uniform, "imdb", 4, 64, 2e-3),
}
NAMES = tuple(RECIPES)
# These recipes hold out the last VAL_FRACTION of the training set (before shuffling), stop once validation accuracy
# has not improved for one epoch, and keep the weights of the epoch with the best validation accuracy; the recipe's
# epochs are then the most that are run. The test set never chooses the epoch.
EARLY_STOPPING = ("imdb_lstm_attention", "imdb_lstm_uniform")
VAL_FRACTION = 0.1


def _check_name(name):
    if name not in RECIPES:
        raise ValueError(f"Unknown model {name!r}; expected one of {', '.join(NAMES)}.")


TEXT_MODELS = tuple(n for n, recipe in RECIPES.items() if recipe[1] == "imdb")


def load_pretrained(name):
    """Load the shipped, checksum-verified weights of model ``name`` (safe mode).

    Image models load from their ``.keras`` file. Text models are rebuilt by their builder from two plain
    files, ``<name>.vocab.json`` (the vocabulary) and ``<name>.weights.npz`` (every weight by its path),
    so that no Keras version's serialisation of lookup layers is involved (see :func:`save_text_model`).
    """
    _check_name(name)
    if name in TEXT_MODELS:
        return load_text_model(name)
    from . import senn  # noqa: F401  (registers the SENN classes for safe-mode loading)

    return keras.models.load_model(asset_path(f"models/{name}.keras"), compile=False, safe_mode=True)


def _text_files(name, folder=None):
    folder = ASSETS / "models" if folder is None else folder
    return folder / f"{name}.vocab.json", folder / f"{name}.weights.npz"


def _weights_by_key(model):
    """Every weight keyed ``<layer name>/<index in the layer>/<variable name>``, e.g. ``bilstm/3/kernel``.

    Keras's own variable paths are not stable: they hold names Keras makes up for inner layers
    (``forward_lstm`` in one model, ``forward_lstm_1`` in the next one built) and differ between a model
    built afresh and one loaded from a ``.keras`` file. Layer names are ours and stable; a layer's weights
    come in the order it creates them.
    """
    keyed = {}
    for layer in model.layers:
        for index, variable in enumerate(layer.weights):
            keyed[f"{layer.name}/{index}/{variable.name}"] = variable
    if len(keyed) != len(model.weights):
        raise ValueError(
            f"{model.name}: {len(model.weights)} weights but {len(keyed)} distinct keys; cannot save by key."
        )
    return keyed


def save_text_model(model, name, folder=None):
    """Write a text model as its vocabulary (JSON list of words) and its weights (npz keyed by variable path).

    Keras's own ``.keras`` format stores a ``TextVectorization`` vocabulary as a text file, one word per line;
    Keras 3.15 reads that file back with ``str.splitlines()``, which also splits at the word ``"\\x85"``
    (NEL, a line break to Python) that the IMDB reviews contain, and then refuses the two empty words it
    made. JSON escapes every such character, and the weights need no Keras code to read.

    Returns:
        the two paths written.
    """
    vocab_path, weights_path = _text_files(name, folder)
    words = [str(w) for w in model.get_layer("vectorize").get_vocabulary()]
    vocab_path.write_text(json.dumps(words, ensure_ascii=True, indent=0) + "\n")
    arrays = {key: keras.ops.convert_to_numpy(v) for key, v in _weights_by_key(model).items()}
    with open(weights_path, "wb") as f:  # a file object: np.savez would append .npz to a str path
        np.savez(f, **arrays)
    return vocab_path, weights_path


def load_text_model(name, folder=None):
    """Rebuild text model ``name`` from its builder, its shipped vocabulary and its weights (checksums checked).

    Args:
        name: one of :data:`TEXT_MODELS`.
        folder: read the two files from this folder instead of the package (unchecked; for tests and retraining).
    """
    _check_name(name)
    if name not in TEXT_MODELS:
        raise ValueError(f"{name!r} is not a text model; text models are {', '.join(TEXT_MODELS)}.")
    if folder is None:
        vocab_path = asset_path(f"models/{name}.vocab.json")
        weights_path = asset_path(f"models/{name}.weights.npz")
    else:
        vocab_path, weights_path = _text_files(name, folder)
    vocabulary = json.loads(vocab_path.read_text())
    model = RECIPES[name][0](text_vectorizer(vocabulary=vocabulary, multi_hot=name == "imdb_bow"))
    with np.load(weights_path, allow_pickle=False) as saved:
        variables = _weights_by_key(model)
        if set(saved.files) != set(variables):
            raise ValueError(
                f"{weights_path.name} does not fit the {name} builder: weights only in the file "
                f"{sorted(set(saved.files) - set(variables))}, only in the model {sorted(set(variables) - set(saved.files))}."
            )
        for path, variable in variables.items():
            if tuple(saved[path].shape) != tuple(variable.shape):
                raise ValueError(
                    f"{name}: weight {path} has shape {saved[path].shape} in the file, {variable.shape} in the model."
                )
            variable.assign(saved[path])
    return model


def model_card(name):
    """The model card of a shipped model: data, epochs, seed, test accuracy, versions."""
    _check_name(name)
    return cards.read(name)


is_text_model = forward.is_text_model


def predict_proba(model, inputs, batch_size=None):
    """Class probabilities (float32) for a batch of images or a list of review strings.

    One compiled function per model (:func:`xai_teach.forward.predict`), so
    repeated calls cost the model's arithmetic, not Keras' ``predict`` loop.

    Args:
        model: a zoo model (or any Keras model with the same input convention).
        inputs: float images in [0, 1]: (n, 28, 28, 1), (n, 28, 28) or one image; or a list
            of str for text models. uint8 pixels, NaN and other shapes are refused.
        batch_size: inputs per model call (None: 1000 images or 250 reviews).
    """
    checks.require_model(model, "predict_proba")
    if is_text_model(model):
        if isinstance(inputs, str) or not isinstance(inputs, (list, tuple, np.ndarray)):
            raise TypeError(f"Text models take a list of str, got {type(inputs).__name__}.")
        bad = [type(t).__name__ for t in inputs if not isinstance(t, str)]
        if bad:
            raise TypeError(f"Text models take a list of str, got a list holding {bad[0]}.")
        inputs = checks.text_batch(list(inputs))
    elif tuple(model.inputs[0].shape[1:]) == checks.IMAGE_SHAPE:
        inputs = checks.image_batch(inputs)
    return forward.predict(model, inputs, "probs", batch_size)


def logits_model(model):
    """The model ending at its pre-softmax ``logits`` layer (built once per model; see :func:`xai_teach.forward.head`).

    Raises a ValueError for a model that ends in a softmax without a layer named ``logits``.
    """
    return forward.compiled(model, "logits_model", lambda: keras.Model(model.input, forward.head_tensor(model)))


def _augment(seed):
    """Small random shifts and rotations for training the CNN on only 5,000 digits."""
    shift = layers.RandomTranslation(0.1, 0.1, fill_mode="constant", seed=seed)
    rotate = layers.RandomRotation(0.04, fill_mode="constant", seed=seed + 1)
    return lambda x, y: (rotate(shift(x, training=True), training=True), y)


def _datasets(name, seed):
    """(shuffled training set, test pair, validation pair or None, training inputs)."""
    kind = RECIPES[name][1]
    if kind == "mnist":
        (x_train, y_train), test = data.load_mnist()
    else:
        (x_train, y_train), test = data.load_imdb()
    val = None
    if name in EARLY_STOPPING:
        n_fit = len(y_train) - int(round(VAL_FRACTION * len(y_train)))
        val = (x_train[n_fit:], y_train[n_fit:])
        x_train, y_train = x_train[:n_fit], y_train[:n_fit]
    train = tf.data.Dataset.from_tensor_slices((forward._as_tensor(x_train, kind == "imdb"), y_train))
    return train.shuffle(len(y_train), seed=seed, reshuffle_each_iteration=True), test, val, x_train


def train(name, epochs=None, seed=0, save=False):
    """Train zoo model ``name`` on the embedded data; return ``(model, model_card)``.

    Args:
        name: one of :data:`NAMES`.
        epochs: passes over the training set; ``None`` uses the recipe's count (for the models in
            :data:`EARLY_STOPPING`, the most that are run; the card records those run and the best).
        seed: seeds weights, shuffling and augmentation, so a rerun gives the same model.
        save: write the weights and model card into the package (what ``--all`` does).
    """
    _check_name(name)
    if name == "mnist_senn":
        from . import senn

        return senn.train(epochs=epochs, seed=seed, save=save)
    builder, kind, default_epochs, batch, lr = RECIPES[name]
    epochs = default_epochs if epochs is None else epochs
    keras.utils.set_random_seed(seed)
    train_ds, (x_test, y_test), val, x_train = _datasets(name, seed)
    if kind == "imdb":
        model = builder(text_vectorizer(x_train, multi_hot=name == "imdb_bow"))
    else:
        model = builder()
        if name == "mnist_cnn":
            train_ds = train_ds.batch(batch).map(_augment(seed)).unbatch()
    model.compile(keras.optimizers.Adam(lr), "sparse_categorical_crossentropy", metrics=["accuracy"])
    fit = {}
    if val is not None:
        stop = keras.callbacks.EarlyStopping("val_accuracy", patience=1, mode="max", restore_best_weights=True)
        fit = {
            "validation_data": (forward._as_tensor(val[0], kind == "imdb"), val[1]),
            "validation_batch_size": 250,
            "callbacks": [stop],
        }
    start = time.perf_counter()
    history = model.fit(train_ds.batch(batch).prefetch(2), epochs=epochs, verbose=0, **fit)
    seconds = time.perf_counter() - start
    accuracy = float(np.mean(np.argmax(predict_proba(model, x_test), 1) == y_test))
    facts = {
        "data": f"embedded {kind}: {len(x_train)} training examples; tested on {len(y_test)} held-out examples",
        "epochs": epochs,
    }
    if val is not None:
        val_accuracy = history.history["val_accuracy"]
        best = int(np.argmax(val_accuracy))
        facts.update(
            {
                "validation": f"the last {len(val[1])} training examples ({VAL_FRACTION:.0%}), held out before "
                "shuffling; training stops once validation accuracy has not improved for 1 epoch and keeps the "
                "weights of the best epoch",
                "max_epochs": epochs,
                "epochs": len(val_accuracy),
                "best_epoch": best + 1,
                "val_accuracy": round(float(val_accuracy[best]), 4),
                "val_accuracy_per_epoch": [round(float(a), 4) for a in val_accuracy],
            }
        )
    facts |= {
        "batch_size": batch,
        "learning_rate": lr,
        "seed": seed,
        "test_accuracy": round(accuracy, 4),
        "training_seconds": round(seconds, 1),
    }
    card = cards.card(name, model, facts)
    if save:
        # Compiling afresh drops the optimizer state, which would triple the file size.
        model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        if kind == "imdb":
            written = save_text_model(model, name)
        else:
            written = [ASSETS / "models" / f"{name}.keras"]
            model.save(written[0])
        cards.save(name, card, written)
    return model, card


def main(argv=None):
    parser = argparse.ArgumentParser(description="Retrain shipped models and rewrite their weights and cards.")
    parser.add_argument("names", nargs="*", help=f"models to train, from {', '.join(NAMES)}")
    parser.add_argument("--all", action="store_true", help="train every model")
    args = parser.parse_args(argv)
    for name in NAMES if args.all else args.names:
        _, card = train(name, save=True)
        print(f"{name}: test accuracy {card['test_accuracy']:.4f}, {card['training_seconds']:.0f} s")


if __name__ == "__main__":
    main()
