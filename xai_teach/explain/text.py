"""Word-level explanations of the IMDB models: LIME, SHAP, attention and gradient x input.

**Tokens.** Every method returns one value per token the model reads, in order:
the review lower-cased, ASCII punctuation deleted (``"Don't!"`` -> ``"dont"``),
split on whitespace, and, for sequence models (``imdb_lstm``,
``imdb_transformer``), cut after the model's sequence length (256 words), since
later words never reach the model. This is exactly what the model's
``TextVectorization`` layer does (:func:`tokenize`). Words outside the
vocabulary keep their surface form in ``tokens`` (the model maps them all to
the unknown-word id 1).

**Perturbing words.** LIME and SHAP perturb the review rewritten as its tokens
joined by single spaces: the model gives that string exactly the same output
as the raw review, and the words the explainers switch on and off are then the
model's tokens, one for one, so that all methods can be compared position by
position. A word that is "off" is replaced by ``"[UNK]"`` (the model's
unknown-word id), so the review keeps its length and word positions and is
never empty (``imdb_transformer`` cannot score an empty review).
"""

import keras
import numba
import numpy as np
import shap
import tensorflow as tf
from lime.lime_text import LimeTextExplainer

from .. import attention as additive
from .. import checks
from . import _common as c
from .attribution import Attribution

STRIP = r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']'  #: what Keras' "lower_and_strip_punctuation" deletes
UNK = "[UNK]"  #: replacement of a removed word: the vectorizers map it to the unknown-word id 1
TEXT_BATCH = 500  #: reviews per model call
#: longest review shap_text explains: shap's text masker builds its word hierarchy in quadratic time
SHAP_MAX_WORDS = 1000


def vectorizer(model, method="tokenize"):
    """The model's ``TextVectorization`` layer (named ``vectorize``), checked to tokenize as :func:`tokenize` does."""
    if not c.has_layer(model, "vectorize"):
        raise ValueError(
            f"{method} reads a model's words from its TextVectorization layer 'vectorize'; {model.name} has none."
        )
    vec = model.get_layer("vectorize")
    config = vec.get_config()
    if config.get("standardize") != "lower_and_strip_punctuation" or config.get("split") != "whitespace":
        raise ValueError(
            f"{method} needs a vectorizer with standardize='lower_and_strip_punctuation' and split='whitespace'; "
            f"{model.name} uses {config.get('standardize')!r} and {config.get('split')!r}."
        )
    return vec


def tokenize(model, texts, method="tokenize"):
    """The words ``model`` reads in each review, in order (see the module docstring); one str is a batch of one."""
    c.require_text_model(model, method)
    length = vectorizer(model, method).get_config().get("output_sequence_length")
    texts = checks.text_batch(texts)
    words = tf.strings.split(tf.strings.regex_replace(tf.strings.lower(tf.constant(texts)), STRIP, "")).to_list()
    return [[w.decode("utf-8") for w in row][:length] for row in words]


def _reviews(model, inputs, targets, method):
    """Checked reviews with probabilities, targets and tokens; every review must have a word the model reads."""
    batch = c.text_batch(model, inputs, targets, method)
    tokens = tokenize(model, batch.inputs, method)
    for i, t in enumerate(tokens):
        if not t:
            raise ValueError(f"inputs[{i}] has no word the model reads (after lower-casing and deleting punctuation).")
    return batch, tokens


def _attribution(values, batch, tokens, method, **params):
    return Attribution(values, batch.inputs, batch.targets, method, params, tokens=tokens, probs=batch.probs)


@numba.njit
def _seed_numba(seed):
    """Seed numba's own generator, which shap's permutation explainer draws word orders from."""
    np.random.seed(seed)


def _classifier(model, output, batch_size):
    """Strings -> (n, classes) outputs; an empty string (every word deleted) is scored as one unknown word."""
    c.choice(output, "output", c.OUTPUTS)
    return lambda texts: c.forward(model, [t if t.strip() else UNK for t in texts], output, batch_size)


# --------------------------------------------------------------------------- LIME and SHAP


@c.explainer
def lime_text(
    model,
    inputs,
    targets=None,
    *,
    num_samples=1000,
    bow=False,
    kernel_width=25.0,
    output="probs",
    random_state=0,
    batch_size=TEXT_BATCH,
):
    """LIME for text: a weighted linear model of the output on which words are kept.

    Ribeiro, Singh & Guestrin 2016. Wraps ``lime.lime_text.LimeTextExplainer``;
    its ``num_samples`` perturbed reviews go through the model in batches.

    Args:
        model: an IMDB model.
        inputs: a review (str) or a list of reviews.
        targets: class per review (0 negative, 1 positive); None explains the predicted class.
        num_samples: perturbed reviews per explanation (lime's own default is 5000; more: stabler, slower).
        bow: False (default): every word position is its own feature and a removed word becomes
            ``[UNK]``; True: lime's bag-of-words mode, where a feature is a distinct word, removing it
            deletes all its occurrences, and every occurrence gets the word's weight.
        kernel_width: width of lime's kernel on cosine distance x 100 (lime's default 25).
        output: ``"probs"`` (default) fits the probability, ``"logits"`` the pre-softmax score.
        random_state: seed of the perturbations; each review gets a fresh generator with it.
        batch_size: reviews per model call.
    """
    batch, tokens = _reviews(model, inputs, targets, "lime_text")
    num_samples = c.positive_int(num_samples, "num_samples", low=2, high=c.MAX_DRAWS)
    kernel_width = c.number(kernel_width, "kernel_width", 0, low_open=True)
    seed = c.seed(random_state)
    classify = _classifier(model, output, c.positive_int(batch_size, "batch_size"))
    values = []
    for words, target in zip(tokens, batch.targets):
        lime = LimeTextExplainer(
            kernel_width=kernel_width,
            split_expression=" ",
            bow=bool(bow),
            mask_string=UNK,
            feature_selection="none",
            random_state=seed,
        )
        exp = lime.explain_instance(
            " ".join(words), classify, labels=(int(target),), num_features=len(words), num_samples=num_samples
        )
        weights = dict(exp.local_exp[int(target)])
        vocab = exp.domain_mapper.indexed_string.inverse_vocab
        if bow:
            feature = {word: j for j, word in enumerate(vocab)}
            values.append(np.array([weights.get(feature[w], 0.0) for w in words]))
        else:
            values.append(np.array([weights.get(j, 0.0) for j in range(len(words))]))
    return _attribution(values, batch, tokens, "lime_text")


@c.explainer
def shap_text(
    model,
    inputs,
    targets=None,
    *,
    max_evals=500,
    algorithm="partition",
    output="probs",
    random_state=0,
    batch_size=TEXT_BATCH,
):
    """SHAP for text: ``shap.Explainer`` with a ``shap.maskers.Text`` masker over the model's tokens.

    A masked word becomes ``[UNK]`` (one per word, so positions are kept). The
    values add up to ``f_c(review) - f_c(all words [UNK])``; the result's
    ``base_values`` hold ``f_c(all words [UNK])``.

    Args:
        model: an IMDB model.
        inputs: a review (str) or a list of reviews.
        targets: class per review (0 negative, 1 positive); None explains the predicted class.
        max_evals: masked reviews evaluated per review (more: finer, slower). ``"permutation"``
            needs at least 2 x words + 1.
        algorithm: ``"partition"`` (default; shap's choice for text): Owen values over a hierarchy
            of neighbouring words, deterministic; ``"permutation"``: Shapley values estimated
            from random word orders (forward and back), seeded by ``random_state``.
        output: ``"probs"`` (default) or ``"logits"``: which score is explained.
        random_state: seed of shap's random draws (permutations, drawn by numba's generator, which
            is seeded too; tie-breaking in partition).
        batch_size: reviews per model call; every batch shap asks for is one call.

    The first call in a Python session also compiles shap's numba code (several seconds).
    """
    batch, tokens = _reviews(model, inputs, targets, "shap_text")
    max_evals = c.positive_int(max_evals, "max_evals", low=10, high=c.MAX_DRAWS)
    c.choice(algorithm, "algorithm", ("partition", "permutation"))
    batch_size = c.positive_int(batch_size, "batch_size")
    seed = c.seed(random_state)
    if algorithm == "permutation":
        longest = max(len(t) for t in tokens)
        if max_evals < 2 * longest + 1:
            raise ValueError(
                f"algorithm='permutation' needs max_evals >= 2 x words + 1 = {2 * longest + 1} "
                f"for a review of {longest} words, got {max_evals}."
            )
    longest = max(len(t) for t in tokens)
    if longest > SHAP_MAX_WORDS:
        raise ValueError(
            f"shap_text explains reviews of at most {SHAP_MAX_WORDS} words (shap's text masker takes quadratic "
            f"time); one review has {longest} after tokenizing: cut it first, e.g. "
            f"' '.join(review.split()[:{SHAP_MAX_WORDS}])."
        )
    classify = _classifier(model, output, batch_size)
    masker = shap.maskers.Text(" ", mask_token=UNK, collapse_mask_token=False)
    values, base = [], []
    if algorithm == "permutation" and seed is not None:
        _seed_numba(seed)
    with c.numpy_global_seed(seed):
        explainer = shap.Explainer(lambda s: classify(list(s)), masker, algorithm=algorithm, seed=seed)
        for words, target in zip(tokens, batch.targets):
            if len(words) == 1:  # shap fails on one word; its Shapley value is exactly f(word) - f([UNK])
                out = classify([words[0], UNK])
                values.append(np.array([out[0, target] - out[1, target]]))
                base.append(out[1, target])
                continue
            # Every class is explained and the target's column kept (shap's permutation explainer
            # ignores ``outputs=``; for two classes the partition explainer's search is the same either way).
            out = explainer([" ".join(words)], max_evals=max_evals, batch_size=batch_size, silent=True)
            row = np.asarray(out.values[0])[:, target]
            if len(row) != len(words):
                raise RuntimeError(f"shap split a review into {len(row)} parts instead of its {len(words)} words.")
            values.append(row)
            base.append(np.asarray(out.base_values).reshape(-1)[target])
    attr = _attribution(values, batch, tokens, "shap_text")
    attr.base_values = np.asarray(base, dtype=np.float64)  # f_c(every word [UNK])
    return attr


# --------------------------------------------------------------------------- model internals


@c.explainer
def attention(model, inputs, targets=None, *, head=None):
    """The attention each word receives in the model's attention layer, averaged over the words that attend.

    For ``imdb_lstm_attention`` (additive attention pooling, :mod:`xai_teach.attention`) the value of
    word t is its attention weight :math:`\alpha_t`, the only path from the word to the output.
    For ``imdb_transformer`` (one layer named ``attention``): with :math:`A_{h,i,j}`
    the weight query word i gives key word j in head h, the value of word j is
    :math:`\\frac{1}{L} \\sum_i A_{h,i,j}` over the L real words (padding excluded),
    for one head or averaged over heads. Each review's values add up to 1.
    Attention does not depend on the class: ``targets`` only labels the result.
    Whether attention explains anything is the question of chapter 8.

    Args:
        model: a model with a MultiHeadAttention layer named ``attention`` (``imdb_transformer``) or an
            additive attention layer named ``attention`` (``imdb_lstm_attention``).
        inputs: a review (str) or a list of reviews.
        targets: class per review; recorded only (attention is the same for every class).
        head: None averages the heads; an int picks one head (Transformer only).
    """
    c.require_text_model(model, "attention")

    if additive.is_additive(model):
        if head is not None:
            raise ValueError(f"{model.name} has one additive attention distribution and no heads; pass head=None.")
        batch, tokens = _reviews(model, inputs, targets, "attention")
        weights = np.asarray(additive.weights_model(model).predict(tf.constant(batch.inputs), verbose=0))
        return _attribution([w[: len(t)] for w, t in zip(weights, tokens)], batch, tokens, "attention")
    if not c.has_layer(model, "attention") or not isinstance(
        model.get_layer("attention"), keras.layers.MultiHeadAttention
    ):
        raise ValueError(
            f"{model.name} has no attention layer (a MultiHeadAttention named 'attention'); attention explains "
            "imdb_transformer and imdb_lstm_attention only. For imdb_bow and imdb_lstm use gradient_x_input, lime_text or shap_text."
        )
    heads = model.get_layer("attention").num_heads
    if head is not None:
        head = c.positive_int(head, "head", 0, heads - 1)
    batch, tokens = _reviews(model, inputs, targets, "attention")
    scores_model = additive.attention_model(model)
    values = []
    for start in range(0, len(batch), TEXT_BATCH):
        scores = np.asarray(scores_model(tf.constant(batch.inputs[start : start + TEXT_BATCH]), training=False))
        scores = scores.mean(axis=1) if head is None else scores[:, head]
        for a, words in zip(scores, tokens[start : start + TEXT_BATCH]):
            n = len(words)
            values.append(a[:n, :n].mean(axis=0))
    return _attribution(values, batch, tokens, "attention")


@c.explainer(kinds=("image", "text"))
def gradient_x_input(model, inputs, targets=None, *, output="logits"):
    """Gradient x input: how each word's embedding (or each pixel) pushes the class score.

    For a word at position t with embedding :math:`e_t`, the value is
    :math:`\\sum_d e_{t,d}\\, \\partial f_c / \\partial e_{t,d}` (the embedding dimensions summed),
    with :math:`f_c` the target's pre-softmax logit by default. ``imdb_bow`` has no
    embedding: its input is the 0/1 word-presence vector, and gradient x input of
    a word there is the word's weight, exactly its contribution to the logit;
    it is split evenly among the word's occurrences so that the values add up
    to ``logit - bias`` (all unknown words share the unknown-word bin). On an
    image model the value of a pixel is its gradient times its intensity
    (Shrikumar et al. 2016); on a linear model, exactly ``W[c] * x``.

    Args:
        model: an IMDB model with layers ``vectorize`` and ``embedding`` + ``mask`` (sequence
            models) or a multi-hot ``vectorize`` (``imdb_bow``); or an MNIST model.
        inputs: a review (str) or a list of reviews; or images for an MNIST model.
        targets: class per input; None explains the predicted class.
        output: ``"logits"`` (default) or ``"probs"``: which score is differentiated.
    """
    c.require_model(model, "gradient_x_input")
    if not c.fwd.is_text_model(model):
        batch, grads = c.image_gradients(model, inputs, targets, "gradient_x_input", output)
        return c.image_attribution(grads * batch.inputs, batch, "gradient_x_input")
    c.require_text_model(model, "gradient_x_input")
    c.choice(output, "output", c.OUTPUTS)
    vec = vectorizer(model, "gradient_x_input")
    embedded = c.has_layer(model, "embedding") and c.has_layer(model, "mask")
    if not embedded and vec.get_config().get("output_mode") != "multi_hot":
        raise ValueError(
            f"gradient_x_input needs layers 'embedding' and 'mask' (sequence models) or a multi-hot 'vectorize' "
            f"layer (bag of words); {model.name} has neither."
        )
    batch, tokens = _reviews(model, inputs, targets, "gradient_x_input")
    fn = _gradient_x_input_function(model, output, embedded)
    if not embedded:
        index = {str(word): i for i, word in enumerate(vec.get_vocabulary())}
        unknown = index["[UNK]"]  # multi-hot vocabularies have no padding entry: the unknown-word bin is 0
    values = []
    for start in range(0, len(batch), TEXT_BATCH):
        stop = start + TEXT_BATCH
        out = fn(tf.constant(batch.inputs[start:stop]), tf.constant(batch.targets[start:stop], tf.int64)).numpy()
        for row, words in zip(out, tokens[start:stop]):
            if embedded:
                values.append(row[: len(words)])
            else:
                ids = np.array([index.get(w, unknown) for w in words])
                values.append(row[ids] / np.bincount(ids, minlength=len(index))[ids])
    return _attribution(values, batch, tokens, "gradient_x_input")


def _gradient_x_input_function(model, output, embedded):
    """Compiled ``(reviews, targets) ->`` gradient x input per word position (embedded) or per vocabulary bin."""

    def build():
        vec = model.get_layer("vectorize")
        end = c.output_model(model, output).outputs[0]
        if embedded:
            embedding, mask = model.get_layer("embedding"), model.get_layer("mask")
            sub = keras.Model([embedding.output, mask.output], end)
        else:
            sub = keras.Model([vec.output], end)

        def fn(texts, targets):
            ids = vec(texts)
            x = embedding(ids) if embedded else tf.cast(ids, tf.float32)
            with tf.GradientTape() as tape:
                tape.watch(x)
                out = sub([x, mask(ids)] if embedded else [x], training=False)
                picked = tf.gather(out, targets, axis=1, batch_dims=1)
            product = tape.gradient(picked, x) * x
            return tf.reduce_sum(product, axis=-1) if embedded else product

        signature = [tf.TensorSpec((None,), tf.string), tf.TensorSpec((None,), tf.int64)]
        return tf.function(fn, input_signature=signature, autograph=False)

    return c.compiled(model, ("gradient_x_input", output), build)
