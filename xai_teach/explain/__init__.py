"""Explanation methods, all with one call shape.

``explain.<method>(model, inputs, targets=None, **params) -> Attribution``

``targets=None`` explains the predicted class; an int or one int per input
picks classes. A single image or a single string is a batch of one. Unknown
parameters, wrong shapes, uint8 images, NaNs, empty reviews and targets out of
range raise a ``TypeError``/``ValueError`` that says what was expected.

==========================  =====================================================
module                      methods
==========================  =====================================================
:mod:`.gradients`           ``saliency``, ``smoothgrad``, ``integrated_gradients``
:mod:`.cams`                ``gradcam``, ``gradcam_plus_plus``, ``scorecam``
:mod:`.perturbation`        ``occlusion``, ``lime_image``
:mod:`.shapley`             ``shap_gradient``, ``shap_deep``, ``shap_partition``
:mod:`.text`                ``lime_text``, ``shap_text``, ``attention``, ``gradient_x_input``
                            (which also explains image models)
:mod:`.global_views`        ``linear_weights``, ``activation_maximization``,
                            ``global_shap``, ``class_prototypes``
==========================  =====================================================

Gradient methods explain the pre-softmax logit by default, perturbation methods
the probability (``output=`` switches). :data:`METHODS` maps each name to its
function; :data:`IMAGE_METHODS` and :data:`TEXT_METHODS` list the local methods
by the data they explain. Every method returns an :class:`Attribution` except
``class_prototypes``, which returns :class:`Prototypes`.
"""

from .attribution import Attribution
from .cams import gradcam, gradcam_plus_plus, scorecam
from .global_views import Prototypes, activation_maximization, class_prototypes, global_shap, linear_weights
from .gradients import integrated_gradients, saliency, smoothgrad
from .perturbation import lime_image, occlusion
from .shapley import shap_deep, shap_gradient, shap_partition
from .text import attention, gradient_x_input, lime_text, shap_text, tokenize

IMAGE_METHODS = {
    f.__name__: f
    for f in (
        saliency,
        smoothgrad,
        integrated_gradients,
        gradcam,
        gradcam_plus_plus,
        scorecam,
        occlusion,
        lime_image,
        shap_gradient,
        shap_deep,
        shap_partition,
        gradient_x_input,
    )
}
TEXT_METHODS = {f.__name__: f for f in (lime_text, shap_text, attention, gradient_x_input)}
GLOBAL_METHODS = {f.__name__: f for f in (linear_weights, activation_maximization, global_shap, class_prototypes)}
METHODS = {**IMAGE_METHODS, **TEXT_METHODS, **GLOBAL_METHODS}

__all__ = [
    "Attribution",
    "Prototypes",
    "METHODS",
    "IMAGE_METHODS",
    "TEXT_METHODS",
    "GLOBAL_METHODS",
    "tokenize",
    *METHODS,
]
