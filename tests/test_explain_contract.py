"""The one call shape: every method's shapes, dtypes, targets, recorded parameters, docs and bad-input errors.

shap_deep's contract is checked in test_explain_shapley, in a separate process.
"""

import inspect

import keras
import numpy as np
import pytest
from test_explain_helpers import FAST

import xai_teach.explain as explain
from xai_teach import models

IMAGE = sorted(set(explain.IMAGE_METHODS) - {"shap_deep"})
TEXT = sorted(explain.TEXT_METHODS)
TEXT_MODEL = {"attention": "imdb_transformer"}  # attention needs an attention layer; the others run on every text model
CORE = ("model", "inputs", "targets")


def run(name, model, inputs, targets=None, **params):
    return explain.METHODS[name](model, inputs, targets, **{**FAST.get(name, {}), **params})


def test_registry_lists_every_method_once():
    assert set(explain.METHODS) == set(explain.IMAGE_METHODS) | set(explain.TEXT_METHODS) | set(explain.GLOBAL_METHODS)
    for name, fn in explain.METHODS.items():
        assert fn.__name__ == name and getattr(explain, name) is fn and name in explain.__all__


@pytest.mark.parametrize("name", sorted(explain.METHODS))
def test_call_shape_and_every_parameter_documented(name):
    fn = explain.METHODS[name]
    params = inspect.signature(fn).parameters
    assert list(params)[:3] == list(CORE)
    assert params["targets"].default is None
    doc = inspect.getdoc(fn)
    for p in list(params)[3:]:
        assert params[p].kind is inspect.Parameter.KEYWORD_ONLY, p
        assert f"{p}:" in doc or f"{p}," in doc, f"{name} does not document {p}"


@pytest.mark.parametrize("name", IMAGE)
def test_image_methods_return_checked_attributions(name, zoo, digits):
    model = zoo("mnist_cnn")
    x, _ = digits
    attr = run(name, model, x)
    assert isinstance(attr, explain.Attribution) and attr.method == name and not attr.is_text
    assert attr.values.shape == (10, 28, 28) and attr.values.dtype == np.float64
    assert np.all(np.isfinite(attr.values)) and np.abs(attr.values).sum() > 0
    probs = models.predict_proba(model, x)
    np.testing.assert_array_equal(attr.targets, probs.argmax(1))
    np.testing.assert_allclose(attr.probs, probs, rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(attr.inputs, x)
    keywords = [p for p in inspect.signature(explain.METHODS[name]).parameters if p not in CORE]
    assert set(keywords) <= set(attr.params)


@pytest.mark.parametrize("name", IMAGE)
def test_image_methods_resolve_targets(name, zoo, digits):
    model = zoo("mnist_cnn")
    x, _ = digits
    for single in (x[0], x[0, :, :, 0]):
        one = run(name, model, single)
        assert len(one) == 1 and one.values.shape == (1, 28, 28)
    fixed = run(name, model, x[:2], targets=4)
    assert fixed.targets.tolist() == [4, 4]
    picked = run(name, model, x[:2], targets=[1, 2])
    assert picked.targets.tolist() == [1, 2]
    assert not np.allclose(fixed.values, picked.values)  # the class explained matters
    with pytest.raises(ValueError, match="targets must lie in 0..9"):
        run(name, model, x[:2], targets=10)
    with pytest.raises(ValueError, match="targets must lie in 0..9"):
        run(name, model, x[:2], targets=[-1, 3])
    with pytest.raises(ValueError, match=r"expected shape \(2,\)"):
        run(name, model, x[:2], targets=[1, 2, 3])
    with pytest.raises(TypeError, match="int class indices"):
        run(name, model, x[:2], targets=1.0)


@pytest.mark.parametrize("name", TEXT)
def test_text_methods_return_checked_attributions(name, zoo, imdb):
    (_, _), (texts, _) = imdb
    for model_name in [TEXT_MODEL[name]] if name in TEXT_MODEL else ["imdb_bow", "imdb_lstm", "imdb_transformer"]:
        model = zoo(model_name)
        attr = run(name, model, texts[:2])
        assert isinstance(attr, explain.Attribution) and attr.method == name and attr.is_text
        assert attr.inputs == texts[:2] and attr.tokens == explain.tokenize(model, texts[:2])
        assert all(v.dtype == np.float64 and v.shape == (len(t),) for v, t in zip(attr.values, attr.tokens))
        probs = models.predict_proba(model, texts[:2])
        np.testing.assert_array_equal(attr.targets, probs.argmax(1))
        np.testing.assert_allclose(attr.probs, probs, rtol=1e-4, atol=1e-6)
        one = run(name, model, texts[0], targets=1)
        assert len(one) == 1 and one.targets.tolist() == [1]
        assert run(name, model, texts[:2], targets=[0, 1]).targets.tolist() == [0, 1]
        frame = one.to_frame()
        assert list(frame["feature"]) == one.tokens[0]


def test_global_methods_keep_the_call_shape(zoo, digits):
    x, y = digits
    cnn = zoo("mnist_cnn")
    assert len(explain.linear_weights(zoo("mnist_linear"), None, 5)) == 1
    assert run("activation_maximization", cnn, None, [2]).targets.tolist() == [2]
    assert run("global_shap", cnn, x, y).values.shape == (10, 28, 28)
    assert explain.class_prototypes(cnn, x, [0, 1], top=1).indices.shape == (2, 1)


BAD_IMAGES = [
    (np.zeros((2, 28, 28, 3), np.float32), ValueError, "shape"),
    (np.zeros((2, 784), np.float32), ValueError, "shape"),
    (np.zeros((0, 28, 28, 1), np.float32), ValueError, "empty batch"),
    (np.full((2, 28, 28, 1), 200, np.uint8), ValueError, "uint8"),
    (np.full((2, 28, 28, 1), np.nan, np.float32), ValueError, "NaN"),
    (np.full((2, 28, 28, 1), 1.5, np.float32), ValueError, r"\[0, 1\]"),
    (["a review"], TypeError, "numeric images"),
    ("a review", TypeError, "float array of images"),
]


@pytest.mark.parametrize("name", IMAGE)
def test_image_methods_refuse_bad_inputs(name, zoo):
    model = zoo("mnist_cnn")
    for inputs, error, message in BAD_IMAGES:
        with pytest.raises(error, match=message):
            run(name, model, inputs)
    # gradient_x_input explains both kinds of model; given a text model, it wants reviews.
    with pytest.raises(TypeError, match="explains image models" if name != "gradient_x_input" else "must be a str"):
        run(name, zoo("imdb_lstm"), np.zeros((1, 28, 28, 1), np.float32))
    with pytest.raises(TypeError, match=rf"{name} got unknown parameter\(s\) \['colour'\]; it takes"):
        run(name, model, np.zeros((1, 28, 28, 1), np.float32), colour="red")
    with pytest.raises(TypeError, match="Keras model"):
        run(name, lambda x: x, np.zeros((1, 28, 28, 1), np.float32))


def test_models_with_other_outputs_or_inputs_are_refused(digits):
    x, _ = digits
    image = keras.Input((28, 28, 1))
    flat = keras.layers.Flatten()(image)
    one_column = keras.Model(image, keras.layers.Dense(1)(flat))
    with pytest.raises(ValueError, match=r"\(n, classes\) probabilities; for 10 inputs it returned shape \(10, 1\)"):
        explain.saliency(one_column, x)
    scalar = keras.Model(image, keras.ops.sum(flat, axis=1))
    with pytest.raises(ValueError, match=r"returned shape \(10,\)"):
        explain.occlusion(scalar, x)
    flat_input = keras.Input((784,))
    vector_model = keras.Model(flat_input, keras.layers.Dense(10)(flat_input))
    with pytest.raises(ValueError, match=r"expects inputs of shape \(n, \*\(784,\)\)"):
        explain.lime_image(vector_model, x)
    unbuilt = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10)])
    with pytest.raises(ValueError, match="no defined inputs"):
        explain.saliency(unbuilt, x)


PARAMETER_ERRORS = [
    ("occlusion", {"patch": 0}, ValueError, "patch"),
    ("occlusion", {"baseline": -0.5}, ValueError, "baseline"),
    ("lime_image", {"num_samples": 1}, ValueError, "num_samples"),
    ("lime_image", {"segmentation": "watershed"}, ValueError, "segmentation"),
    ("lime_image", {"cell_size": 0}, ValueError, "cell_size"),
    ("lime_image", {"random_state": 1.5}, TypeError, "random_state"),
    ("lime_image", {"random_state": -1}, ValueError, "random_state"),
    ("lime_image", {"kernel_width": 0}, ValueError, "kernel_width"),
    ("shap_gradient", {"nsamples": 0}, ValueError, "nsamples"),
    ("shap_gradient", {"background_size": 10**6}, ValueError, "holds only"),
    ("shap_partition", {"max_evals": 5}, ValueError, "max_evals"),
    ("scorecam", {"batch_size": 0}, ValueError, "batch_size"),
    ("gradcam", {"output": "prob"}, ValueError, "output"),
    ("smoothgrad", {"samples": True}, TypeError, "samples"),
]


@pytest.mark.parametrize("name,params,error,message", PARAMETER_ERRORS)
def test_bad_parameter_values_say_what_was_expected(name, params, error, message, zoo, digits):
    with pytest.raises(error, match=message):
        explain.METHODS[name](zoo("mnist_cnn"), digits[0][:2], **params)


def test_explainers_print_nothing(zoo, digits, imdb, capsys):
    x, _ = digits
    for name in IMAGE:
        run(name, zoo("mnist_cnn"), x[:2])
    (_, _), (texts, _) = imdb
    for name in TEXT:
        run(name, zoo("imdb_transformer"), texts[:1])
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
