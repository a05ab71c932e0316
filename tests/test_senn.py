"""Self-explaining neural networks: the penalty, exact explanations, training, the shipped model, clear errors."""

import json

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from xai_teach import metrics, models, senn
from xai_teach.explain import Attribution


@pytest.fixture(scope="module")
def shipped(zoo):
    return zoo("mnist_senn")


@pytest.fixture(scope="module")
def small(mnist):
    """A few hundred digits: enough for a tiny SENN to take some steps."""
    (x_train, y_train), (x_test, y_test) = mnist
    return (x_train[:256], y_train[:256]), (x_test[:200], y_test[:200])


def constant_theta(model, seed=0):
    """Zero every weight of the relevance network except the last bias: theta(x) is then one fixed matrix."""
    net = model.get_layer("relevances")
    rng = np.random.default_rng(seed)
    weights = [np.zeros_like(w) for w in net.get_weights()]
    weights[-1] = rng.normal(size=weights[-1].shape).astype(np.float32)
    net.set_weights(weights)
    return model


def penalty_by_definition(model, x):
    """||grad_x f - theta^T J_x h||_F from two full Jacobians, independent of the product-rule shortcut."""
    x = tf.constant(x)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        h = model.get_layer("concepts")(x)
        theta = model.get_layer("relevances")(x)
        z = model.get_layer("logits")([h, theta])
    grad_f = tape.batch_jacobian(z, x)  # (n, 10, 28, 28, 1)
    jac_h = tape.batch_jacobian(h, x)  # (n, k, 28, 28, 1)
    residual = grad_f - tf.einsum("nkc,nkabd->ncabd", theta, jac_h)
    return np.linalg.norm(residual.numpy().reshape(len(x), -1), axis=1)


# --------------------------------------------------------------------------- the robustness penalty


def test_penalty_is_zero_for_constant_theta_and_linear_h(digits):
    x, _ = digits
    model = constant_theta(senn.build(kind="pixels", seed=0))  # h: average pooling, linear in x
    np.testing.assert_array_equal(senn.robustness_penalty(model, x), 0.0)
    assert np.max(penalty_by_definition(model, x)) < 1e-4
    # ... and not zero once theta depends on x.
    assert np.min(senn.robustness_penalty(senn.build(kind="pixels", seed=0), x)) > 1e-3


def test_penalty_shortcut_equals_the_definition(digits):
    x, _ = digits
    model = senn.build(k=3, width=2, seed=1)  # nonlinear h and theta
    expected = penalty_by_definition(model, x)
    assert expected.min() > 1e-3
    np.testing.assert_allclose(senn.robustness_penalty(model, x), expected, rtol=1e-4)


def test_constant_theta_makes_the_penalty_zero_even_for_a_nonlinear_h(digits):
    x, _ = digits
    model = constant_theta(senn.build(k=3, width=2, seed=2))
    np.testing.assert_array_equal(senn.robustness_penalty(model, x), 0.0)
    assert np.max(penalty_by_definition(model, x)) < 1e-4


# --------------------------------------------------------------------------- explanations are exact


def test_contributions_sum_to_the_logits(shipped, mnist):
    x = mnist[1][0][:300]
    out = senn.outputs(shipped, x)
    np.testing.assert_allclose(
        (out["concepts"][:, :, None] * out["relevances"]).sum(1), out["logits"], rtol=1e-5, atol=1e-5
    )
    e = senn.explain(shipped, x)
    np.testing.assert_allclose(e.contributions.sum(1), out["logits"][np.arange(len(x)), e.targets], rtol=1e-5)
    # The functional model's own logits layer and softmax give the same numbers.
    np.testing.assert_allclose(
        models.logits_model(shipped).predict(x, verbose=0), senn.logits(shipped, x), rtol=1e-5, atol=1e-5
    )
    np.testing.assert_allclose(models.predict_proba(shipped, x), out["probs"], rtol=1e-5, atol=1e-7)
    z = out["logits"] - out["logits"].max(1, keepdims=True)
    np.testing.assert_allclose(np.exp(z) / np.exp(z).sum(1, keepdims=True), out["probs"], rtol=1e-4, atol=1e-7)


def test_explanation_shapes_targets_and_frame(shipped, digits):
    x, y = digits
    e = senn.explain(shipped, x)
    k = shipped.concept_count
    assert k == 5 and len(e) == 10
    assert e.concepts.shape == e.values.shape == e.contributions.shape == (10, k)
    np.testing.assert_array_equal(e.targets, e.probs.argmax(1))
    np.testing.assert_array_equal(e.values, senn.relevances(shipped, x)[np.arange(10), :, e.targets])
    e3 = senn.explain(shipped, x, targets=3)
    np.testing.assert_array_equal(e3.targets, 3)
    np.testing.assert_array_equal(e3.values, senn.relevances(shipped, x)[:, :, 3])
    frame = e.to_frame()
    assert len(frame) == 10 * k and set(frame["rank"]) == set(range(1, k + 1))
    np.testing.assert_allclose(
        frame.groupby("input")["contribution"].sum(), e.logits[np.arange(10), e.targets], rtol=1e-5
    )  # float32 sums
    assert e[2:4].targets.tolist() == e.targets[2:4].tolist() and len(e.top_features(2)[0]) == 2


def test_pixel_senn_attribution_is_complete_and_fits_the_metrics(digits):
    x, _ = digits
    model = senn.build(kind="pixels", seed=0)
    attr = senn.attribution(model, x)
    assert isinstance(attr, Attribution) and attr.values.shape == (10, 28, 28)
    logit = senn.logits(model, x)[np.arange(10), attr.targets]
    np.testing.assert_allclose((attr.values * x[..., 0]).sum((1, 2)), logit, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(senn.attribution(model, x, product=True).values.sum((1, 2)), logit, rtol=1e-4)
    # In the model's own 196-block space or as a 28x28 map through the metrics: the same normalised stability.
    ours = senn.local_lipschitz(model, x[:4], n_samples=3, random_state=1)
    theirs = metrics.local_lipschitz(model, x[:4], senn.attribution, n_samples=3, random_state=1)
    np.testing.assert_allclose(ours.scores, theirs.scores, rtol=1e-4)


def test_stability_is_zero_for_constant_relevances_and_positive_otherwise(shipped, digits):
    x, _ = digits
    flat = constant_theta(senn.build(k=3, width=2, seed=3))
    np.testing.assert_array_equal(senn.local_lipschitz(flat, x, n_samples=4).scores, 0.0)
    result = senn.local_lipschitz(shipped, x, n_samples=4)
    assert isinstance(result, metrics.Result) and result.better == "lower"
    assert result.details["ratios"].shape == (10, 4) and np.all(result.scores > 0)


def test_faithfulness_removes_concepts_exactly(shipped, digits):
    x, _ = digits
    logit = senn.faithfulness(shipped, x, output="logits")
    np.testing.assert_allclose(logit.scores, 1.0, rtol=1e-6)  # the drop of a logit is the contribution
    result = senn.faithfulness(shipped, x)
    assert result.metric == "faithfulness_estimate" and result.details["drops"].shape == (10, 5)
    # The drops equal a forward pass through the model's own aggregator with concept i switched off.
    out = senn.outputs(shipped, x)
    aggregate, softmax = shipped.get_layer("logits"), shipped.get_layer("probs")
    for i in range(5):
        h = out["concepts"].copy()
        h[:, i] = 0
        probs = softmax(aggregate([h, out["relevances"]])).numpy()
        drop = out["probs"][np.arange(10), result.targets] - probs[np.arange(10), result.targets]
        np.testing.assert_allclose(result.details["drops"][:, i], drop, rtol=1e-4, atol=1e-6)
    assert np.nanmean(result.scores) > 0.5


def test_prototypes_are_the_top_activating_digits(shipped, mnist):
    x = mnist[1][0][:500]
    protos = senn.prototypes(shipped, x, top=4)
    assert protos.images.shape == (5, 4, 28, 28, 1) and protos.indices.shape == protos.activations.shape == (5, 4)
    h = senn.concepts(shipped, x)
    for i in range(5):
        np.testing.assert_allclose(protos.activations[i], np.sort(h[:, i])[::-1][:4], rtol=1e-6)
        np.testing.assert_array_equal(protos.images[i], x[protos.indices[i]])


def test_plots_draw(shipped, digits):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x, _ = digits
    protos = senn.prototypes(shipped, x, top=3)
    fig = senn.explain(shipped, x).plot(4, prototypes=protos)
    assert len(fig.axes) == 3 + 5 * 3
    assert len(protos.plot().axes) == 15
    assert senn.explain(senn.build(kind="pixels", seed=0), x[:2]).plot(0) is not None
    plt.close("all")


# --------------------------------------------------------------------------- training


def test_a_few_steps_lower_the_loss(small):
    (x, y), _ = small
    model = senn.build(k=3, width=2, robustness=1e-2, seed=0)
    model.compile(jit_compile=False)
    before = {k: float(v) for k, v in model.losses_for(tf.constant(x), tf.constant(y), training=False).items()}
    senn.fit(model, x, y, epochs=3, batch_size=64, learning_rate=3e-3, progress=False)
    after = {k: float(v) for k, v in model.losses_for(tf.constant(x), tf.constant(y), training=False).items()}
    assert after["loss"] < 0.8 * before["loss"]
    assert after["concept_loss"] < before["concept_loss"]  # the decoder learns too
    expected = after["cross_entropy"] + 1e-2 * after["robustness_penalty"] + 2e-5 * after["concept_loss"]
    assert after["loss"] == pytest.approx(expected, rel=1e-5)


def test_a_zero_residual_does_not_poison_training(small):
    (x, y), _ = small
    model = constant_theta(senn.build(kind="pixels", robustness=1.0, seed=0))  # residual exactly 0
    senn.fit(model, x[:64], y[:64], epochs=1, batch_size=32, progress=False)
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())


def test_same_seed_same_weights(small):
    (x, y), _ = small
    runs = []
    for _ in range(2):
        model = senn.build(k=3, width=2, seed=5)
        senn.fit(model, x[:128], y[:128], epochs=1, batch_size=32, seed=5, progress=False)
        runs.append(model.get_weights() + model.decoder.get_weights())
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)
    other = senn.build(k=3, width=2, seed=6).get_weights()
    assert not all(np.array_equal(a, b) for a, b in zip(other, senn.build(k=3, width=2, seed=5).get_weights()))


def test_train_returns_a_card_and_the_sweep_a_table(small):
    model, card = senn.train(k=3, epochs=1, data=small, progress=False)
    assert card["concepts"] == 3 and card["epochs"] == 1 and card["robustness_lambda"] == 1e-4
    assert 0 <= card["test_accuracy"] <= 1 and card["robustness_penalty_test"] > 0
    json.dumps(card)
    table = senn.lambda_sweep(lambdas=(1e-3, 1.0), epochs=1, data=small, kind="pixels", progress=False)
    assert isinstance(table, pd.DataFrame) and table["lambda"].tolist() == [1e-3, 1.0]
    assert list(table.columns) == ["lambda", "test_accuracy", "robustness_penalty", "training_seconds"]
    # A stronger penalty gives a smaller penalty.
    assert table["robustness_penalty"].iloc[1] < table["robustness_penalty"].iloc[0]


# --------------------------------------------------------------------------- the shipped model


def test_shipped_model_accuracy_and_card(shipped, mnist):
    (_, _), (x_test, y_test) = mnist
    probs = models.predict_proba(shipped, x_test)
    assert probs.shape == (10_000, 10)
    np.testing.assert_allclose(probs.sum(1), 1.0, rtol=1e-5)
    accuracy = float(np.mean(probs.argmax(1) == y_test))
    assert accuracy >= 0.96
    card = models.model_card("mnist_senn")
    assert card["test_accuracy"] == pytest.approx(accuracy, abs=1e-3)
    assert card["concepts"] == 5 and card["robustness_lambda"] == 1e-4 and card["xi"] == 2e-5
    assert "mnist_senn" in models.NAMES


def test_shipped_model_loads_in_safe_mode_with_its_decoder(shipped, digits):
    from xai_teach.integrity import asset_path

    x, _ = digits
    again = keras.models.load_model(asset_path("models/mnist_senn.keras"), compile=False, safe_mode=True)
    assert isinstance(again, senn.SENN) and again.kind == "concepts" and again.robustness == 1e-4
    np.testing.assert_array_equal(again.predict(x, verbose=0), shipped.predict(x, verbose=0))
    assert again.decoder(senn.concepts(again, x)).shape == (10, 28, 28, 1)
    assert [layer.name for layer in again.layers] == ["image", "concepts", "relevances", "logits", "probs"]


def test_zoo_dispatches_to_senn(monkeypatch):
    calls = []
    monkeypatch.setattr(senn, "train", lambda **kwargs: calls.append(kwargs) or ("model", "card"))
    assert models.train("mnist_senn", epochs=2, seed=3) == ("model", "card")
    assert calls == [{"epochs": 2, "seed": 3, "save": False}]
    built = models.RECIPES["mnist_senn"][0]()
    assert isinstance(built, senn.SENN) and built.concept_count == 5


# --------------------------------------------------------------------------- clear errors


def test_bad_inputs_are_refused(shipped, digits):
    x, _ = digits
    with pytest.raises(ValueError, match="uint8"):
        senn.explain(shipped, (x * 255).astype(np.uint8))
    with pytest.raises(ValueError, match=r"shape \(n, 28, 28, 1\)"):
        senn.explain(shipped, x[:, :20])
    with pytest.raises(ValueError, match="targets must lie in 0..9"):
        senn.explain(shipped, x, targets=10)
    with pytest.raises(TypeError, match="must be a SENN"):
        senn.explain(models.load_pretrained("mnist_linear"), x)
    with pytest.raises(TypeError, match="kind='pixels'"):
        senn.attribution(shipped, x)
    with pytest.raises(ValueError, match="top=20 is more than the 10 images"):
        senn.prototypes(shipped, x, top=20)
    with pytest.raises(ValueError, match="kind must be one of"):
        senn.build(kind="prototypes")
    with pytest.raises(ValueError, match="pool must divide 28"):
        senn.build(kind="pixels", pool=3)
    with pytest.raises(ValueError, match="robustness must be a float >= 0"):
        senn.build(robustness=-1)
    with pytest.raises(ValueError, match="epsilon"):
        senn.local_lipschitz(shipped, x, epsilon=0)
    with pytest.raises(ValueError, match="output must be"):
        senn.faithfulness(shipped, x, output="loss")
    with pytest.raises(ValueError, match="y_train must hold one int label"):
        senn.train(data=((x, np.zeros(3, dtype=int)), (x, np.zeros(10, dtype=int))), epochs=1)
    with pytest.raises(ValueError, match="Only kind='concepts' is shipped"):
        senn.train(kind="pixels", save=True)
