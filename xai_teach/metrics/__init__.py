"""Measuring whether explanations are faithful, stable and sane.

Every metric has the call shape
``metric(model, inputs, attribution_or_explain_fn, *, targets=None, ...)``: pass a
precomputed :class:`~xai_teach.explain.Attribution` (or an ``(n, 28, 28)``
array), or an explainer ``explain_fn(model, inputs, targets=None) -> Attribution``
(bind parameters with :func:`functools.partial`). Scores come back as a
:class:`Result` (``scores`` per input, ``mean``, and ``curve``/``fractions``/``auc``
for curves); a metric that runs in steps returns a :class:`Steps` (a ``Result`` whose
``frame`` holds every step, e.g. :class:`Randomisation`).

==============================  ==========================================================  ========
metric                          question                                                    better
==============================  ==========================================================  ========
:func:`deletion`                does removing the top features kill the prediction?         lower
:func:`insertion`               do the top features alone restore it?                        higher
:func:`pixel_flipping`          same, flipping pixels and watching the score (Bach 2015)    lower
:func:`faithfulness_correlation`  does attribution mass predict the drop of random subsets?  higher
:func:`faithfulness_estimate`   does each feature's relevance predict its own drop?         higher
:func:`local_lipschitz`         how far does the explanation move per unit of input change?  lower
:func:`max_sensitivity`         how far can it move inside a small ball?                     lower
:func:`seed_variance`           do repeated runs (LIME, SHAP sampling) agree?                higher
:func:`background_ablation`     how does SHAP depend on the background size?                 lower
:func:`cascading_randomisation`  does it change when the weights are randomised?            lower
:func:`label_randomisation`     does it change for a model trained on shuffled labels?       lower
:func:`agreement`               do two methods rank the features alike?                      --
:func:`localisation`            how much attribution lies in a known region?                higher
==============================  ==========================================================  ========

Every metric is registered with ``@metric(better=...)`` (:mod:`.registry`) and
listed in :data:`METRICS`; its parameters after the attribution are keyword-only
(``targets=``, ``output="logits"|"probs"``, ``random_state=``, ...).
:func:`report` runs chosen metrics over several explainers into one DataFrame;
:func:`summary` and :func:`plot_report` compare them. Progress bars appear only
in a terminal or a live notebook; set ``XAI_TEACH_PROGRESS=0`` to silence them.
"""

from .agreement import agreement, kendall, localisation, spearman, top_k_overlap
from .faithfulness import deletion, faithfulness_correlation, faithfulness_estimate, insertion, pixel_flipping
from .registry import metric
from .report import METRICS, plot_report, report, summary
from .result import Result, Steps
from .sanity import Randomisation, cascading_randomisation, label_randomisation
from .stability import background_ablation, local_lipschitz, max_sensitivity, seed_variance

__all__ = [
    "METRICS",
    "Randomisation",
    "Result",
    "Steps",
    "agreement",
    "background_ablation",
    "cascading_randomisation",
    "deletion",
    "faithfulness_correlation",
    "faithfulness_estimate",
    "insertion",
    "kendall",
    "label_randomisation",
    "local_lipschitz",
    "localisation",
    "max_sensitivity",
    "metric",
    "pixel_flipping",
    "plot_report",
    "report",
    "seed_variance",
    "spearman",
    "summary",
    "top_k_overlap",
]
