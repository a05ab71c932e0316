"""Chapter 3 checks: gradient-based local explanations."""

import numpy as np
import tensorflow as tf

from .. import explain, metrics, models
from .common import as_array, as_choice, as_number, as_target, checked, report


def _gradient(model, image, target, output):
    """d model_output[target] / d image as (28, 28), for ``output`` "logits" or "probs"."""
    head = models.logits_model(model) if output == "logits" else model
    x = tf.constant(np.asarray(image, dtype=np.float32).reshape(1, 28, 28, 1))
    with tf.GradientTape() as tape:
        tape.watch(x)
        score = head(x, training=False)[0, target]
    return tape.gradient(score, x).numpy()[0, :, :, 0].astype(np.float64)


def _close(a, b):
    scale = float(np.abs(b).max()) or 1.0
    return np.allclose(a, b, rtol=1e-3, atol=1e-4 * scale)


def check_saliency(answer, model, image, target):
    """Chapter 3: a hand-written saliency map, the gradient of the target's logit w.r.t. the pixels.

    Args:
        answer: the student's (28, 28) gradient.
        model: the model explained (``mnist_cnn``).
        image: the (28, 28, 1) digit.
        target: the class whose logit is differentiated.
    """
    arr, target, problem = checked(
        as_array(answer, (28, 28), "the saliency map"), as_target(target, model.output.shape[-1])
    )
    if problem:
        return report(False, problem)
    grad = _gradient(model, image, target, "logits")
    if _close(arr, grad):
        return report(True, "the gradient of the class logit with respect to each pixel.")
    if _close(arr, np.abs(grad)):
        return report(False, "that is |gradient|; keep the sign (red raises the logit, blue lowers it).")
    if _close(arr, grad * np.asarray(image, dtype=np.float64).reshape(28, 28)):
        return report(False, "that is gradient x input; the saliency map is the gradient alone.")
    if _close(arr, _gradient(model, image, target, "probs")):
        return report(False, "that is the gradient of the probability; differentiate the pre-softmax logit.")
    return report(False, "differentiate logits_model(cnn)(x)[0, target] with respect to x inside a GradientTape.")


def check_ig_completeness(answer, model, image, target, baseline=0.0):
    """Chapter 3: the logit difference ``f_c(x) - f_c(baseline)`` that integrated gradients add up to.

    Args:
        answer: the student's number.
        model: the model explained.
        image: the (28, 28, 1) digit.
        target: the class explained.
        baseline: the grey level of the baseline image.
    """
    value, target, problem = checked(
        as_number(answer, "the difference of logits"), as_target(target, model.output.shape[-1])
    )
    if problem:
        return report(False, problem)
    x = np.asarray(image, dtype=np.float32).reshape(1, 28, 28, 1)
    base = np.full_like(x, baseline)
    black = np.zeros_like(x)
    z = np.asarray(models.logits_model(model)(np.concatenate([x, base, black])))[:, target].astype(np.float64)
    p = np.asarray(model(np.concatenate([x, base]), training=False))[:, target].astype(np.float64)
    tol = 1e-3 * (abs(z[0]) + 1.0)
    if abs(value - (z[0] - z[1])) < tol:
        return report(True, "the target logit on the image minus the target logit on the baseline image.")
    if abs(value - z[0]) < tol:
        return report(False, "that is the logit of the image alone; subtract the logit of the baseline image.")
    if baseline != 0 and abs(value - (z[0] - z[2])) < tol:
        return report(False, "that is the gain over a black image; use the baseline the attribution used.")
    if abs(value - (z[1] - z[0])) < tol:
        return report(False, "the sign is reversed: image minus baseline.")
    if abs(value - (p[0] - p[1])) < 1e-3:
        return report(False, "that is a difference of probabilities; integrated gradients here explain the logits.")
    return report(False, "evaluate the target logit on the image and on the baseline image and subtract.")


CAM_LAYERS = ("conv1", "last_conv")


def check_cam_layer_prediction(prediction, model, images):
    """Chapter 3, predict then verify: at which layer do Grad-CAMs of two classes look more alike?

    For every image, Grad-CAM of the predicted class and of the runner-up class (the second most
    probable) are compared by the Spearman correlation of their values; the layer whose mean
    correlation over the images is higher is the answer.

    Args:
        prediction: "conv1" or "last_conv".
        model: the ``mnist_cnn`` model.
        images: the digits (n, 28, 28, 1) the prediction is about.
    """
    choice, problem = as_choice(prediction, CAM_LAYERS, "the prediction")
    if problem:
        return report(False, problem)
    x = np.asarray(images, dtype=np.float32).reshape(-1, 28, 28, 1)
    order = np.argsort(-np.asarray(model(x, training=False)), axis=1)
    alike = {}
    for layer in CAM_LAYERS:
        first = explain.gradcam(model, x, order[:, 0], layer=layer)
        second = explain.gradcam(model, x, order[:, 1], layer=layer)
        alike[layer] = float(np.nanmean(metrics.spearman(first, second)))
    answer = max(CAM_LAYERS, key=alike.get)
    if choice == answer:
        return report(True, f"on these digits the two classes' maps are more alike at {answer}, on average.")
    return report(
        False, "the other layer; compute both classes' maps at both layers and compare them with metrics.spearman."
    )
