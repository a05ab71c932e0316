"""How a control's setting is written for a reader: shared by the live widget, the book view and the readouts."""

import ipywidgets as w
import numpy as np


def decimals(control):
    """Digits after the point that a control's values need (float sliders: those of their step)."""
    step = getattr(control, "step", None)
    if not isinstance(control, (w.FloatSlider, w.FloatLogSlider)) or step is None:
        return None
    text = f"{float(step):.10f}".rstrip("0")
    return max(1, len(text.split(".")[1]))


def format_value(value, digits=None):
    """A setting as a reader should see it: floats to the control's precision, never ``0.25000000000000006``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        return str(value)
    if isinstance(value, (float, np.floating)) or digits is not None:
        return f"{float(value):.{2 if digits is None else digits}f}"
    return str(value)
