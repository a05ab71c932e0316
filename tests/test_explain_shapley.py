"""SHAP on images: closed forms on a linear model, efficiency, backgrounds, seeds; DeepExplainer in a subprocess."""

import numpy as np
import pytest
from test_explain_helpers import FAST, linear_logits, linear_model, run_python

from xai_teach import explain, models
from xai_teach.explain import shapley


@pytest.fixture(scope="module")
def linear():
    return linear_model(seed=3)


@pytest.fixture(scope="module")
def train_digits(mnist):
    (x_train, _), _ = mnist
    return x_train


def test_shap_gradient_with_one_background_image_is_exactly_weight_times_difference(linear, digits, train_digits):
    model, w, _ = linear
    x, _ = digits
    b0 = train_digits[:1]
    attr = explain.shap_gradient(model, x, background=b0, nsamples=20)
    np.testing.assert_allclose(attr.values.reshape(10, -1), w[:, attr.targets].T * (x - b0).reshape(10, -1), atol=1e-5)


def test_shap_gradient_of_linear_model_is_weight_times_difference_to_background_mean(linear, digits, train_digits):
    model, w, _ = linear
    x, _ = digits
    background = train_digits[:50]
    expected = w[:, :10].T * (x.reshape(10, -1) - background.reshape(50, -1).mean(0))

    def error(nsamples):
        attr = explain.shap_gradient(model, x, targets=np.arange(10), background=background, nsamples=nsamples)
        return np.linalg.norm(attr.values.reshape(10, -1) - expected) / np.linalg.norm(expected)

    fine = error(1000)
    assert fine < 0.06
    # The sampling error shrinks with the number of samples (about as 1 / sqrt(nsamples)).
    assert error(50) > 2 * fine


def test_shap_gradient_seeds(zoo, digits):
    model = zoo("mnist_cnn")
    x = digits[0][:3]
    a = explain.shap_gradient(model, x, nsamples=16, random_state=1)
    b = explain.shap_gradient(model, x, nsamples=16, random_state=1)
    c = explain.shap_gradient(model, x, nsamples=16, random_state=2)
    np.testing.assert_array_equal(a.values, b.values)
    assert not np.allclose(a.values, c.values)
    np.random.seed(7)
    expected = np.random.random()
    np.random.seed(7)
    explain.shap_gradient(model, x[:1], nsamples=4, random_state=0)
    assert np.random.random() == expected  # shap reseeds NumPy's global generator; it is restored


def test_background_size_and_source(train_digits):
    default = shapley.background_images(None, None, 0)
    assert default.shape == (100, 28, 28, 1)
    assert all(any(np.array_equal(b, t) for t in train_digits[:5000]) for b in default[:3])
    np.testing.assert_array_equal(default, shapley.background_images(None, None, 0))
    assert not np.array_equal(default, shapley.background_images(None, None, 1))
    own = train_digits[:30]
    np.testing.assert_array_equal(shapley.background_images(own, None, 0), own)
    assert shapley.background_images(own, 10, 0).shape == (10, 28, 28, 1)
    with pytest.raises(ValueError, match="holds only 30"):
        shapley.background_images(own, 31, 0)
    with pytest.raises(ValueError, match="uint8"):
        shapley.background_images((own * 255).astype(np.uint8), None, 0)


def test_shap_gradient_records_the_background_size(zoo, digits):
    attr = explain.shap_gradient(zoo("mnist_cnn"), digits[0][:2], background_size=25, nsamples=8)
    assert attr.params["background_size"] == 25 and attr.params["background"] is None


def test_shap_partition_values_add_up_to_the_output_change(linear, zoo, digits):
    x, _ = digits
    model, w, b = linear
    attr = explain.shap_partition(model, x[:4], max_evals=200)
    gap = linear_logits(w, b, x[:4], attr.targets) - b[attr.targets]  # masked image: all zeros
    np.testing.assert_allclose(attr.values.reshape(4, -1).sum(1), gap, rtol=1e-5, atol=1e-5)
    cnn = zoo("mnist_cnn")
    attr = explain.shap_partition(cnn, x[:4], max_evals=200)
    probs = models.predict_proba(cnn, x[:4])[np.arange(4), attr.targets]
    blank = models.predict_proba(cnn, np.zeros_like(x[:4]))[np.arange(4), attr.targets]
    np.testing.assert_allclose(attr.values.reshape(4, -1).sum(1), probs - blank, rtol=1e-4, atol=1e-5)


def test_shap_partition_string_maskers_use_opencv(zoo, digits):
    model = zoo("mnist_cnn")
    x = digits[0][:2]
    black = explain.shap_partition(model, x, max_evals=100)
    for masker in ("blur(28,28)", "inpaint_telea"):
        attr = explain.shap_partition(model, x, masker=masker, max_evals=100)
        assert np.all(np.isfinite(attr.values)) and not np.allclose(attr.values, black.values)
    with pytest.raises(ValueError, match="masker"):
        explain.shap_partition(model, x, masker="blur")
    with pytest.raises(ValueError, match="masker"):
        explain.shap_partition(model, x, masker=2.0)


def test_shap_deep_refuses_unsupported_models_before_shap_runs(zoo, digits):
    import keras

    for name in ("imdb_bow", "imdb_lstm", "imdb_transformer"):
        with pytest.raises(ValueError, match="shap_gradient"):
            explain.shap_deep(zoo(name), ["a fine film"])
    image = keras.Input((28, 28, 1))
    hidden = keras.layers.LayerNormalization(name="norm")(keras.layers.Dense(16, activation="gelu")(image))
    model = keras.Model(image, keras.layers.Dense(10, name="logits")(keras.layers.Flatten()(hidden)))
    with pytest.raises(ValueError, match=r"norm \(LayerNormalization\).*activation gelu|gelu.*LayerNormalization"):
        explain.shap_deep(model, digits[0][:1])


DEEP_SCRIPT = """
import json
import numpy as np
import keras
import xai_teach
from xai_teach import data, explain, models
from xai_teach.explain import shapley
import sys
sys.path.insert(0, "tests")
from test_explain_helpers import linear_model

out = {}
(x_train, _), (x_test, y_test) = data.load_mnist()
x = x_test[[int(np.flatnonzero(y_test == c)[0]) for c in range(10)]]
background = x_train[:40]

# 1. Linear model (Sequential, no logits layer): DeepLIFT is exact, W * (x - mean(background)).
model, w, b = linear_model(seed=4)
attr = explain.shap_deep(model, x, background=background)
expected = w[:, attr.targets].T * (x.reshape(10, -1) - background.reshape(40, -1).mean(0))
out["linear_error"] = float(np.abs(attr.values.reshape(10, -1) - expected).max())

# 2. The CNN: values add up to f(x) - mean f(background) (checked inside too) for any targets.
cnn = models.load_pretrained("mnist_cnn")
attr = explain.shap_deep(cnn, x, targets=[3] * 5 + [8] * 5, background=background)
logits = models.logits_model(cnn)
gap = np.asarray(logits(x))[:, attr.targets.tolist()].diagonal() - np.asarray(logits(background)).mean(0)[attr.targets]
out["cnn_gap"] = float(np.abs(attr.values.reshape(10, -1).sum(1) - gap).max())
out["cnn_shape"] = list(attr.values.shape)
out["cnn_targets"] = attr.targets.tolist()
out["params"] = sorted(attr.params)
pred = explain.shap_deep(cnn, x[:3], background_size=20)
out["pred_targets_ok"] = bool(np.array_equal(pred.targets, models.predict_proba(cnn, x[:3]).argmax(1)))
out["seed_same"] = bool(np.array_equal(pred.values, explain.shap_deep(cnn, x[:3], background_size=20).values))

# 3. Refusals happen before shap runs, so gradients still work afterwards.
refused = []
for name in ("imdb_lstm", "imdb_transformer"):
    try:
        explain.shap_deep(models.load_pretrained(name), ["a fine film"])
    except ValueError as err:
        refused.append("shap_gradient" in str(err))
out["refused"] = refused
out["saliency_after_refusal"] = bool(np.isfinite(explain.saliency(cnn, x[:2]).values).all())

# 4. If shap fails midway anyway (here forced past the check on an attention model), TensorFlow's
#    gradient recorder is restored: shap alone leaves it patched and every later gradient fails.
t = models.load_pretrained("imdb_transformer")
ids = t.get_layer("vectorize")(np.array(["a fine film", "dull"], dtype=object))
sub = keras.Model([t.get_layer("embedding").output, t.get_layer("mask").output], t.get_layer("logits").output)
emb = np.asarray(t.get_layer("embedding")(ids))
import shap
try:
    with shapley._restore_tensorflow_gradients():
        shap.DeepExplainer(sub, [emb, np.asarray(ids) != 0]).shap_values([emb[:1], np.asarray(ids)[:1] != 0])
    out["forced_failure"] = "no error"
except Exception as err:
    out["forced_failure"] = type(err).__name__
out["saliency_after_failure"] = bool(np.isfinite(explain.saliency(cnn, x[:2]).values).all())
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def deep_results():
    """shap's DeepExplainer runs in its own process: a failure there would corrupt TF's gradients here."""
    return run_python(DEEP_SCRIPT)


def test_shap_deep_is_exact_on_a_linear_model(deep_results):
    assert deep_results["linear_error"] < 1e-5


def test_shap_deep_values_add_up_on_the_cnn(deep_results):
    assert deep_results["cnn_gap"] < 1e-3
    assert deep_results["cnn_shape"] == [10, 28, 28]
    assert deep_results["cnn_targets"] == [3] * 5 + [8] * 5
    assert deep_results["pred_targets_ok"] and deep_results["seed_same"]
    assert set(deep_results["params"]) >= set(FAST["shap_deep"]) | {"background", "output", "random_state"}


def test_shap_deep_refusals_and_failures_leave_gradients_working(deep_results):
    assert deep_results["refused"] == [True, True]
    assert deep_results["saliency_after_refusal"]
    assert deep_results["forced_failure"] != "no error"
    assert deep_results["saliency_after_failure"]
