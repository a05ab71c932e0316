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
by the data they explain. Each table is filled by the :func:`explainer` decorator
when a method is defined: adding a method edits no list. Every method returns an :class:`Attribution` except
``class_prototypes``, which returns :class:`Prototypes` (as :func:`xai_teach.senn.prototypes` does).
"""

from ._common import GLOBAL_METHODS, IMAGE_METHODS, METHODS, TEXT_METHODS, explainer
from .attribution import Attribution
from .cams import gradcam, gradcam_plus_plus, scorecam  # noqa: F401  (importing registers the methods)
from .global_views import (  # noqa: F401  (importing registers the methods)
    activation_maximization,
    class_prototypes,
    global_shap,
    linear_weights,
)
from .gradients import integrated_gradients, saliency, smoothgrad  # noqa: F401  (importing registers the methods)
from .perturbation import lime_image, occlusion  # noqa: F401  (importing registers the methods)
from .prototypes import Prototypes
from .shapley import shap_deep, shap_gradient, shap_partition  # noqa: F401  (importing registers the methods)
from .text import attention, gradient_x_input, lime_text, shap_text, tokenize  # noqa: F401  (importing registers the methods)

__all__ = [
    "Attribution",
    "Prototypes",
    "METHODS",
    "IMAGE_METHODS",
    "TEXT_METHODS",
    "GLOBAL_METHODS",
    "explainer",
    "tokenize",
    *METHODS,
]
