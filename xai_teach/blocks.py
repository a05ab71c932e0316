"""The building blocks the zoo's models share: sizes, the padding mask, the embedding and the named head.

They live here, below :mod:`xai_teach.models` and :mod:`xai_teach.attention`, so that both build
with them and neither imports the other back.
"""

import keras
from keras import layers, ops

VOCAB = 10_000  #: text models keep the 10,000 most frequent words (index 0 pads, 1 is unknown)
SEQ_LEN = 256  #: sequence models read the first 256 words of a review
EMBED = 32  #: word-embedding width of the sequence models


@keras.saving.register_keras_serializable(package="xai_teach")
class PaddingMask(layers.Layer):
    """True where a token id is a real word, False where it is padding (id 0)."""

    def call(self, ids):
        return ops.not_equal(ids, 0)


def logits_and_probs(x, classes):
    """Logits and softmax, named so that explainers can find them."""
    logits = layers.Dense(classes, name="logits")(x)
    return layers.Softmax(name="probs")(logits)


def embed_words(vectorizer, text):
    """Word ids -> (embeddings named ``embedding``, a padding mask named ``mask``): the start of every sequence model."""
    ids = vectorizer(text)
    emb = layers.Embedding(VOCAB, EMBED, name="embedding")(ids)
    return emb, PaddingMask(name="mask")(ids)
