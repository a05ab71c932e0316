"""Tests of xai_teach.senn.experiments: loss terms, the paper's Lipschitz estimate, concept removal, shared-draw SHAP."""

import json

import numpy as np
import pytest
import tensorflow as tf

from xai_teach import cards, forward, metrics, models, senn
from xai_teach.integrity import ASSETS
from xai_teach.senn import experiments


def constant_theta_senn(theta, k=3, seed=0):
    """A SENN whose relevances are the constant (k, 10) matrix ``theta`` (the relevance net's last layer is a bias)."""
    model = senn.build(kind="concepts", k=k, robustness=1e-2, seed=seed)
    dense = model.get_layer("relevances").get_layer("theta")
    kernel, _ = dense.get_weights()
    dense.set_weights([np.zeros_like(kernel), np.asarray(theta, np.float32).reshape(-1)])
    return model


@pytest.fixture(scope="module")
def images(mnist):
    (_, _), (x_test, _) = mnist
    return x_test[:6]


def test_concept_removal_matches_a_hand_computation(images):
    theta = np.zeros((3, 10))
    theta[:, 4] = [2.0, 0.0, -1.0]  # concepts act on class 4 only; concept 2 not at all
    model = constant_theta_senn(theta)
    out = senn.outputs(model, images)
    h, z = out["concepts"].astype(np.float64), out["logits"].astype(np.float64)
    baseline = h[0] - 1.0  # for the first image every concept sits 1 above its baseline
    result = experiments.concept_removal(model, images[:1], baseline=baseline, targets=np.array([4]))
    p = np.exp(z[0] - z[0].max()) / np.exp(z[0] - z[0].max()).sum()
    expected = []
    for i in range(3):
        zi = z[0].copy()
        zi[4] -= theta[i, 4] * 1.0
        q = np.exp(zi - zi.max()) / np.exp(zi - zi.max()).sum()
        expected.append(p[4] - q[4])
    np.testing.assert_allclose(result["drops"][0], expected, atol=1e-6)
    assert result["drops"][0, 1] == pytest.approx(0.0, abs=1e-12)  # theta = 0: removing it changes nothing
    # the drop rises with theta (2 > 0 > -1), so the correlation is high, and exactly +1 in rank
    assert result["correlation"][0] > 0.9
    np.testing.assert_allclose(result["theta"][0], theta[:, 4])


def test_concept_removal_at_the_concepts_own_value_changes_nothing(images):
    model = constant_theta_senn(np.random.default_rng(0).normal(size=(3, 10)))
    h = senn.concepts(model, images[:1])[0]
    result = experiments.concept_removal(model, images[:1], baseline=h)
    np.testing.assert_allclose(result["drops"], 0.0, atol=1e-6)
    assert np.isnan(result["correlation"][0])
    with pytest.raises(ValueError, match="one finite value per concept"):
        experiments.concept_removal(model, images, baseline=np.zeros(4))


def test_lipschitz_max_without_steps_is_the_sampled_unnormalised_estimate(zoo, images):
    model = zoo("mnist_senn")
    sampled = senn.local_lipschitz(model, images, epsilon=0.1, n_samples=4, normalise=False, random_state=3).scores
    np.testing.assert_allclose(
        experiments.lipschitz_max(model, images, n_samples=4, steps=0, random_state=3), sampled, rtol=1e-5
    )
    searched = experiments.lipschitz_max(model, images, n_samples=4, steps=5, random_state=3)
    assert np.all(searched >= sampled - 1e-9) and np.any(searched > sampled)


def test_lipschitz_max_is_zero_for_constant_relevances(images):
    model = constant_theta_senn(np.random.default_rng(1).normal(size=(3, 10)))
    np.testing.assert_allclose(experiments.lipschitz_max(model, images, n_samples=3, steps=3), 0.0, atol=1e-6)


def test_loss_terms_split_the_concept_loss_and_agree_with_the_model(zoo, mnist):
    model = zoo("mnist_senn")
    (_, _), (x_test, y_test) = mnist
    x, y = x_test[:50], y_test[:50]
    terms = experiments.loss_terms(model, x, y, batch_size=20)
    np.testing.assert_allclose(terms["robustness_penalty"], senn.robustness_penalty(model, x).mean(), rtol=1e-4)
    x_hat = experiments.reconstructions(model, x)
    np.testing.assert_allclose(terms["reconstruction"], np.square(x - x_hat).sum(axis=(1, 2, 3)).mean(), rtol=1e-4)
    np.testing.assert_allclose(terms["sparsity"], np.abs(senn.concepts(model, x)).sum(1).mean(), rtol=1e-4)
    lumped = model.losses_for(tf.constant(x), tf.constant(y), training=False)
    np.testing.assert_allclose(
        terms["reconstruction"] + model.sparsity * terms["sparsity"], float(lumped["concept_loss"]), rtol=1e-4
    )
    np.testing.assert_allclose(terms["cross_entropy"], float(lumped["cross_entropy"]), rtol=1e-4)


def test_shared_draw_shap_on_a_linear_model_is_exact_and_has_no_sampling_noise(zoo, mnist, images):
    model = zoo("mnist_linear")
    (x_train, _), _ = mnist
    explain_fn = experiments.shared_draw_shap(x_train[::100], nsamples=30, random_state=0)
    targets = np.array([3] * len(images))
    values = explain_fn(model, images, targets).values
    w = model.get_layer("logits").get_weights()[0][:, 3].reshape(28, 28)
    rng = np.random.default_rng(0)
    idx = rng.integers(0, len(x_train[::100]), 30)
    mean_ref = x_train[::100][idx].mean(0)[..., 0]
    np.testing.assert_allclose(values, w * (images[..., 0] - mean_ref), atol=1e-5)
    # the explanations of x and x' differ by exactly the input change times the weights: no sampling noise
    shifted = np.clip(images + 0.05, 0, 1).astype(np.float32)
    diff = explain_fn(model, shifted, targets).values - values
    np.testing.assert_allclose(diff, w * (shifted - images)[..., 0], atol=1e-5)
    result = metrics.local_lipschitz(model, images, explain_fn, epsilon=0.1, n_samples=3)
    assert np.all(np.isfinite(result.scores))


def test_shipped_variants_differ_from_the_shipped_senn_only_in_lambda():
    base = models.model_card("mnist_senn")
    for name, lam in experiments.VARIANTS.items():
        if name == "mnist_senn":
            continue
        card = experiments.variant_card(name)
        assert card["robustness_lambda"] == lam
        for key in ("epochs", "batch_size", "learning_rate", "xi", "sparsity", "seed", "concepts", "parameters"):
            assert card[key] == base[key], key
        model = experiments.load_variant(name)
        assert model.robustness == lam
    with pytest.raises(ValueError, match="must be one of"):
        experiments.load_variant("mnist_senn_lambda7")


def test_variant_cards_come_from_the_card_helper_without_an_architecture_entry():
    for name in ("mnist_senn_lambda0", "mnist_senn_lambda1"):
        shipped, model = experiments.variant_card(name), experiments.load_variant(name)
        facts = {k: v for k, v in shipped.items() if k not in ("name", "parameters", "versions")}
        built = cards.card(name, model, facts, architecture=False)
        assert list(built) == list(shipped) and "architecture" not in built
        assert built["parameters"] == shipped["parameters"]
        # cards.save writes json.dumps(card, indent=1): the shipped file has exactly that form
        assert json.dumps(shipped, indent=1) == (ASSETS / "models" / f"{name}.json").read_text()


def test_loss_terms_compile_once_per_model_in_the_forward_cache(images):
    model = constant_theta_senn(np.ones((3, 10)))
    labels = np.arange(len(images)) % 10
    first = experiments.loss_terms(model, images, labels)
    fn = forward.compiled(model, "senn_loss_terms", lambda: None)
    assert fn is not None
    assert experiments.loss_terms(model, images, labels) == first
    assert forward.compiled(model, "senn_loss_terms", lambda: None) is fn
