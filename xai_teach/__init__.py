"""xai_teach: the helper package behind the *xai-teach* book.

The book teaches the difference between **interpretability** (understanding a
model as a whole) and **explainability** (justifying one prediction after the
fact) on MNIST digits and IMDB reviews. This package holds the code the book
teaches, so that there is one copy of it:

- :mod:`xai_teach.data`    real MNIST and IMDB samples shipped in the package
- :mod:`xai_teach.models`  Keras 3 model zoo with pretrained weights
- :mod:`xai_teach.explain` one call shape for every explanation method
- :mod:`xai_teach.metrics` faithfulness, stability and sanity checks
- :mod:`xai_teach.senn`    self-explaining neural networks
"""

import logging
import os

# Quiet TensorFlow's C++ start-up log and make CPU results reproducible. These
# must be set before TensorFlow is imported; setdefault keeps a user's choice.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

# TensorFlow's Python logger warns about tf.function retracing whenever several models are called in
# one notebook; that is noise for students. Errors still show.
logging.getLogger("tensorflow").setLevel(logging.ERROR)

__version__ = "0.1.0"
