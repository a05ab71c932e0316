"""Sanity checks: cascading parameter randomisation and label randomisation behave as Adebayo et al. predict."""

import numpy as np
import pytest
from test_metrics_helpers import constant_explainer, gradient_explainer, linear_model

from xai_teach import metrics
from xai_teach.metrics import sanity


@pytest.fixture(scope="module")
def cascade(zoo, digits):
    model = zoo("mnist_cnn")
    before = [w.copy() for w in model.get_weights()]
    result = metrics.cascading_randomisation(model, digits[0], gradient_explainer, random_state=0)
    return model, before, result


def test_cascade_order_and_the_original_model_is_untouched(cascade):
    model, before, result = cascade
    assert list(result.summary().index) == ["original", "logits", "dense", "last_conv", "conv2", "conv1"]
    for w0, w1 in zip(before, model.get_weights()):
        np.testing.assert_array_equal(w0, w1)
    assert result.model is not model
    assert result.frame.shape[0] == 6 * 10 and set(sanity.MEASURES) <= set(result.frame.columns)
    # a Result like every metric's: per input, the similarity with every layer randomised; lower passes
    assert (
        isinstance(result, metrics.Result) and result.better == "lower" and result.metric == "cascading_randomisation"
    )
    np.testing.assert_array_equal(result.scores, result.frame.loc[result.frame["layer"] == "conv1", "spearman_abs"])


def test_randomisation_drives_gradient_similarity_down(cascade):
    _, _, result = cascade
    table = result.summary()
    assert np.allclose(table.loc["original"], 1)
    # Already the top layer changes the signed gradient map ...
    assert table.loc["logits", "spearman"] < 0.9 and table.loc["logits", "ssim"] < 0.9
    # ... and with every layer random, little of the original explanation is left.
    assert table.loc["conv1", "spearman"] < 0.2 and table.loc["conv1", "ssim"] < 0.4
    assert table.loc["conv1", "spearman_abs"] < table.loc["original", "spearman_abs"]


def test_cascade_is_reproducible_and_seed_dependent(zoo, digits):
    model = zoo("mnist_cnn")
    x = digits[0][:4]
    a = metrics.cascading_randomisation(model, x, gradient_explainer, layers=["logits", "dense"], random_state=1)
    b = metrics.cascading_randomisation(model, x, gradient_explainer, layers=["logits", "dense"], random_state=1)
    c = metrics.cascading_randomisation(model, x, gradient_explainer, layers=["logits", "dense"], random_state=2)
    assert a.frame.equals(b.frame)
    assert not np.allclose(a.frame["spearman"], c.frame["spearman"])


def test_constant_explainer_fails_the_sanity_check(zoo, digits):
    with pytest.warns(UserWarning, match="an explanation is constant"):
        result = metrics.cascading_randomisation(zoo("mnist_cnn"), digits[0][:3], constant_explainer, layers=["logits"])
    assert result.frame["ssim"].eq(1).all()  # an explanation that ignores the model never changes


def test_randomise_layer_keeps_scale_but_destroys_weights():
    model, w, b = linear_model(scale=0.2)
    copy = sanity.clone(model)
    sanity.randomise_layer(copy.get_layer("logits"), np.random.default_rng(0))
    new_w, new_b = copy.get_layer("logits").get_weights()
    assert new_w.std() == pytest.approx(w.std(), rel=0.15) and abs(np.corrcoef(new_w.ravel(), w.ravel())[0, 1]) < 0.05
    assert np.abs(new_w - w.mean()).max() <= 2 * w.std() + 1e-6
    np.testing.assert_array_equal(model.get_layer("logits").get_weights()[0], w)


def test_cascade_refuses_bad_layers(zoo, digits):
    with pytest.raises(ValueError, match="layers must name layers with weights"):
        metrics.cascading_randomisation(zoo("mnist_cnn"), digits[0][:2], gradient_explainer, layers=["pool1"])
    with pytest.raises(TypeError, match="single string"):
        metrics.cascading_randomisation(zoo("mnist_cnn"), digits[0][:2], gradient_explainer, layers="logits")


def test_label_randomisation(zoo, mnist, digits):
    model = zoo("mnist_linear")
    (x_train, y_train), _ = mnist
    train = (x_train[:2000], y_train[:2000])
    before = [w.copy() for w in model.get_weights()]
    result = metrics.label_randomisation(model, digits[0], gradient_explainer, train=train, epochs=2, random_state=0)
    table = result.summary()
    assert list(table.index) == ["original", "shuffled_labels"]
    assert result.better == "lower" and result.mean == pytest.approx(table.loc["shuffled_labels", "spearman_abs"])
    # The weight template of a model that learned noise has little to do with the real one.
    assert table.loc["shuffled_labels", "spearman_abs"] < 0.5 and table.loc["shuffled_labels", "ssim"] < 0.5
    assert result.info["train_seconds"] > 0 and result.info["train_accuracy"] < 0.5 and result.info["n_train"] == 2000
    for w0, w1 in zip(before, model.get_weights()):
        np.testing.assert_array_equal(w0, w1)
    again = metrics.label_randomisation(model, digits[0], gradient_explainer, train=train, epochs=2, random_state=0)
    np.testing.assert_allclose(again.frame["spearman"], result.frame["spearman"], atol=1e-6)
    with pytest.raises(ValueError, match="train labels must be 10 ints"):
        metrics.label_randomisation(model, digits[0], gradient_explainer, train=(digits[0], digits[1][:5]))
