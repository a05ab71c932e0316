"""Running a model: its logits or probability head, batched predictions, gradients, one compiled-function cache.

Every part of the package that runs a model goes through this module, so there
is one rule for the head and one cache of compiled functions:

- :func:`head` is the model ending at its pre-softmax ``logits`` layer
  (``output="logits"``) or at its output (``output="probs"``). A model without a
  layer named ``logits`` whose last layer is a softmax has no logits to read:
  asking for them raises a ``ValueError`` (pass ``output="probs"`` to use its
  output as it is). A model that ends without a softmax returns logits already
  and is used as it is.
- :func:`compiled` builds something once per model and key (a head, a
  ``tf.function``) and keeps it as long as the model lives.
- :func:`predict` runs a model over images or reviews in batches through one
  compiled function per model and head; :func:`gradients` differentiates the
  target class's output with respect to the images, batched and compiled.

``output`` takes ``"logits"`` or ``"probs"`` everywhere in the package; the
older spellings ``"logit"``/``"probability"`` still work for now and warn.
"""

import numbers
import warnings
import weakref

import keras
import numpy as np
import tensorflow as tf

OUTPUTS = ("logits", "probs")
#: default number of inputs per model call, by the kind of data the model takes
BATCH = {"images": 256, "text": 250}
_OLD_OUTPUTS = {"logit": "logits", "probability": "probs"}
_SOFTMAX = ("Softmax",)


def check_output(output, stacklevel=3):
    """``output`` as ``"logits"`` or ``"probs"``; the old ``"logit"``/``"probability"`` map to them with a warning."""
    if isinstance(output, str) and output in _OLD_OUTPUTS:
        new = _OLD_OUTPUTS[output]
        warnings.warn(
            f"output={output!r} is the old spelling; use output={new!r} (the same word as in xai_teach.explain).",
            DeprecationWarning,
            stacklevel=stacklevel,
        )
        return new
    if not isinstance(output, str) or output not in OUTPUTS:
        raise ValueError(f"output must be one of {', '.join(map(repr, OUTPUTS))}; got {output!r}.")
    return output


def is_text_model(model):
    """True for models that take raw strings."""
    return model.inputs[0].dtype == "string"


def batch_size_for(model, batch_size=None):
    """``batch_size`` checked (a positive int), or the default for the kind of data ``model`` takes."""
    if batch_size is None:
        return BATCH["text" if is_text_model(model) else "images"]
    if isinstance(batch_size, (bool, np.bool_)) or not isinstance(batch_size, numbers.Integral):
        raise TypeError(f"batch_size must be an int, got {batch_size!r}.")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}.")
    return int(batch_size)


# --------------------------------------------------------------------------- the cache

_CACHE = weakref.WeakKeyDictionary()  # model -> {key: built}; entries go when the model does


def compiled(model, key, build):
    """``build()`` once per model and key (a head, a ``tf.function`` traced once); later calls reuse it."""
    per_model = _CACHE.setdefault(model, {})
    if key not in per_model:
        per_model[key] = build()
    return per_model[key]


# --------------------------------------------------------------------------- heads


def _has_layer(model, name):
    return any(layer.name == name for layer in model.layers)


def _ends_in_softmax(model):
    last = model.layers[-1]
    activation = getattr(getattr(last, "activation", None), "__name__", "")
    return type(last).__name__ in _SOFTMAX or activation == "softmax"


def head_tensor(model, output="logits"):
    """The symbolic tensor ``output`` names: the ``logits`` layer's output or the model's output (rule above)."""
    output = check_output(output)
    if output == "probs":
        return model.outputs[0]
    if _has_layer(model, "logits"):
        return model.get_layer("logits").output
    if _ends_in_softmax(model):
        raise ValueError(
            f"{model.name} has no layer named 'logits' and ends in a softmax, so it has no logits to read; "
            "name its pre-softmax layer 'logits', or pass output='probs' to use its output as it is."
        )
    return model.outputs[0]


def head(model, output="logits"):
    """The model as a functional model with a list of one input, ending at its logits or its output.

    Built once per model (cached). The input is a list so that shap and
    tf-keras-vis, which call models with a list of inputs, match its structure:
    call it as ``head(model)([x])``. Keras 3 ``Sequential`` models are converted
    here (tf-keras-vis cannot read them).
    """
    output = check_output(output)
    return compiled(model, ("head", output), lambda: keras.Model(list(model.inputs), head_tensor(model, output)))


def input_spec(model):
    """The ``tf.TensorSpec`` of a batch of the model's inputs (strings for text models)."""
    if is_text_model(model):
        return tf.TensorSpec((None,), tf.string)
    return tf.TensorSpec((None,) + tuple(model.inputs[0].shape[1:]), tf.float32)


# --------------------------------------------------------------------------- forward passes


def predictor(model, output="probs"):
    """A compiled function ``inputs -> (n, classes)`` logits or outputs of ``model`` in inference mode."""
    output = check_output(output)

    def build():
        fm = head(model, output)
        return tf.function(lambda x: fm([x], training=False), input_signature=[input_spec(model)], autograph=False)

    return compiled(model, ("predict", output), build)


def _as_tensor(part, text):
    return tf.constant(list(part)) if text else tf.convert_to_tensor(part, tf.float32)


def predict(model, inputs, output="probs", batch_size=None):
    """The model's ``(n, classes)`` outputs (float32) for checked images or a list of str, batched.

    Args:
        model: a Keras model with one input and one output.
        inputs: images as the model expects them, or a list of str for text models.
        output: ``"probs"`` (the model's output) or ``"logits"`` (see :func:`head`).
        batch_size: inputs per model call; None: :data:`BATCH` for the model's kind of data.
    """
    fn = predictor(model, output)
    batch_size = batch_size_for(model, batch_size)
    text = is_text_model(model)
    chunks = [fn(_as_tensor(inputs[i : i + batch_size], text)).numpy() for i in range(0, len(inputs), batch_size)]
    return np.concatenate(chunks)


def gradient_function(model, output="logits"):
    """A compiled function ``(images, targets) -> d output[i, targets[i]] / d images``."""
    output = check_output(output)

    def build():
        fm = head(model, output)

        def grad(x, targets):
            with tf.GradientTape() as tape:
                tape.watch(x)
                picked = tf.gather(fm([x], training=False), targets, axis=1, batch_dims=1)
            return tape.gradient(picked, x)

        signature = [input_spec(model), tf.TensorSpec((None,), tf.int64)]
        return tf.function(grad, input_signature=signature, autograph=False)

    return compiled(model, ("gradient", output), build)


def gradients(model, x, targets, output="logits", batch_size=None):
    """d output[i, targets[i]] / d x_i (float32) for a batch of images, ``batch_size`` images per call."""
    fn = gradient_function(model, output)
    batch_size = batch_size_for(model, batch_size)
    targets = np.asarray(targets, dtype=np.int64)
    grads = np.empty(x.shape, dtype=np.float32)
    for start in range(0, len(x), batch_size):
        stop = start + batch_size
        part = tf.convert_to_tensor(x[start:stop], tf.float32)
        grads[start:stop] = fn(part, tf.constant(targets[start:stop])).numpy()
    return grads


def output_and_gradient_function(model, output="logits"):
    """A compiled ``(images, targets) -> (outputs, targets, gradients)`` in one forward and one backward pass.

    ``outputs`` are the model's (n, classes) outputs; a negative target stands for
    the predicted class (the argmax of the outputs), and the targets used come back.
    """
    output = check_output(output)

    def build():
        both = keras.Model(list(model.inputs), [head_tensor(model, output), model.outputs[0]])

        def run(x, targets):
            with tf.GradientTape() as tape:
                tape.watch(x)
                scores, probs = both([x], training=False)
                used = tf.where(targets < 0, tf.argmax(probs, axis=1, output_type=tf.int64), targets)
                picked = tf.gather(scores, used, axis=1, batch_dims=1)
            return probs, used, tape.gradient(picked, x)

        signature = [input_spec(model), tf.TensorSpec((None,), tf.int64)]
        return tf.function(run, input_signature=signature, autograph=False)

    return compiled(model, ("output_and_gradient", output), build)


def outputs_and_gradients(model, x, targets, output="logits", batch_size=None):
    """The outputs (n, classes), the targets used and d output[i, target_i] / d x_i, batched (one pass each way).

    ``targets``: one int per image; -1 takes the predicted class.
    """
    fn = output_and_gradient_function(model, output)
    batch_size = batch_size_for(model, batch_size)
    targets = np.asarray(targets, dtype=np.int64)
    parts = []
    for start in range(0, len(x), batch_size):
        stop = start + batch_size
        out = fn(tf.convert_to_tensor(x[start:stop], tf.float32), tf.constant(targets[start:stop]))
        parts.append([t.numpy() for t in out])
    probs, used, grads = (np.concatenate(p) for p in zip(*parts))
    return probs, used, grads
