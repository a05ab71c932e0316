r"""Self-explaining neural networks (SENN; Alvarez-Melis & Jaakkola, NeurIPS 2018, arXiv:1806.07538).

A SENN predicts with its explanation:

.. math:: f(x) = \operatorname{softmax}\Big(\sum_{i=1}^{k} \theta_i(x)\, h_i(x)\Big)

with concepts :math:`h(x) \in \mathbb{R}^k` (a conv encoder, trained with a
decoder) and relevances :math:`\theta(x) \in \mathbb{R}^{k \times 10}` (a conv
net). A robustness penalty keeps :math:`\theta` locally constant, so that the
model really is, near each input, the linear model in the concepts that its
explanation shows.

==========================================  =====================================================
call                                        what it gives
==========================================  =====================================================
``build(kind="concepts", k=5, ...)``        an untrained SENN (``kind="pixels"``: pooled pixels as concepts)
``train(...)``                              ``(model, card)``: trained with the paper's loss
``models.load_pretrained("mnist_senn")``    the shipped SENN (5 concepts, lambda = 1e-4)
``explain(model, x)``                       :class:`Explanation`: concepts, relevances, contributions
``prototypes(model, x, top=10)``            the most strongly activating digits of every concept
``plot_explanation`` / ``plot_prototypes``  the paper's figures
``logits(model, x)``                        pre-softmax outputs (the model also has a ``logits`` layer)
``robustness_penalty(model, x)``            the penalty per input
``local_lipschitz(model, x)``               stability of the relevances (as :func:`xai_teach.metrics.local_lipschitz`)
``faithfulness(model, x)``                  the paper's faithfulness estimate, removing concepts
``attribution``                             ``explain_fn`` for the metrics (``kind="pixels"``)
``lambda_sweep(...)``                       accuracy and penalty for lambda = 1e-4 ... 1
``load_lambda_sweep()``                     that sweep, precomputed and shipped
==========================================  =====================================================

The model takes float images (n, 28, 28, 1) in [0, 1] and returns (n, 10)
probabilities; its layers are named ``concepts``, ``relevances``, ``logits`` and
``probs``. It is saved and loaded as any zoo model (``safe_mode=True``) once
``xai_teach.senn`` is imported, which :func:`xai_teach.models.load_pretrained` does.
"""

from .evaluation import faithfulness, local_lipschitz
from .explanation import (
    Explanation,
    Prototypes,
    attribution,
    concepts,
    explain,
    logits,
    outputs,
    prototypes,
    relevances,
)
from .model import KINDS, SENN, Aggregate, build, penalty_terms
from .plots import plot_explanation, plot_prototypes
from .training import LAMBDAS, NAME, SWEEP_FILE, fit, lambda_sweep, load_lambda_sweep, robustness_penalty, train

__all__ = [
    "KINDS",
    "LAMBDAS",
    "NAME",
    "SWEEP_FILE",
    "SENN",
    "Aggregate",
    "Explanation",
    "Prototypes",
    "attribution",
    "build",
    "concepts",
    "explain",
    "faithfulness",
    "fit",
    "lambda_sweep",
    "load_lambda_sweep",
    "local_lipschitz",
    "logits",
    "outputs",
    "penalty_terms",
    "plot_explanation",
    "plot_prototypes",
    "prototypes",
    "relevances",
    "robustness_penalty",
    "train",
]
