"""DIET's and the ResponseSelector's TensorFlow predictions called through their concrete function.

Rasa wraps a model's prediction step in a `tf.function` with a fixed input signature, so it is
traced once and every later message runs the same graph. Each call through the `tf.function`
still matches the arguments against the signature to find that graph: 0.25 to 0.5 ms of a
prediction's 0.9 to 1.1 ms for one message here, and a parse makes one or two (DIET, and the
question selector for the core topics). Calling the traced concrete function directly runs the
same graph on the same inputs and gives the same outputs (tests/test_speedups.py compares the
trained model's parses). A concrete function called with Python arguments still binds them to
its signature and checks each again (about a third of DIET's time under a profiler); when the
arrays already have the traced dtypes and shapes, as Rasa builds them, they go to the graph as
its flat list of inputs, the way that check ends (in process a parse took 0.24 to 0.83 ms less in
five of six interleaved runs, 0.28 ms more in one).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf
from keras.utils import tf_utils
from rasa.shared.constants import DIAGNOSTIC_DATA
from rasa.utils.tensorflow.models import RasaModel

RASA_PREDICT = RasaModel._rasa_predict


def predict_through_concrete_function(self: RasaModel, batch_in: tuple[np.ndarray, ...]) -> dict[str, Any]:
    """`RasaModel._rasa_predict`: Rasa's own for the first call (which traces the graph) and in eager
    mode, then the traced graph itself."""
    concrete = getattr(self, "_concrete_predict_step", None)
    if concrete is None or self._run_eagerly:
        outputs = RASA_PREDICT(self, batch_in)
        if self._tf_predict_step is not None:
            self._concrete_predict_step = self._tf_predict_step.get_concrete_function()
            self._concrete_input_specs = tf.nest.flatten(self._concrete_predict_step.structured_input_signature[0])
        return outputs
    self._training = False
    outputs = tf_utils.sync_to_numpy_or_python_type(call_traced(concrete, self._concrete_input_specs, batch_in))
    if DIAGNOSTIC_DATA in outputs:
        outputs[DIAGNOSTIC_DATA] = self._empty_lists_to_none_in_dict(outputs[DIAGNOSTIC_DATA])
    return outputs


def call_traced(concrete: Any, specs: list[tf.TensorSpec], batch_in: tuple[np.ndarray, ...]) -> Any:
    """`concrete(batch_in)`; straight to the graph's flat inputs when every array matches its spec."""
    if len(batch_in) == len(specs) and all(
        array.dtype == spec.dtype and spec.shape.is_compatible_with(array.shape)
        for array, spec in zip(batch_in, specs, strict=True)
    ):
        return concrete._call_flat([tf.convert_to_tensor(array) for array in batch_in], concrete.captured_inputs)
    return concrete(batch_in)


def predict_through_concrete_functions() -> None:
    """Start-up step of the Rasa server: TensorFlow predictions call their traced graph directly."""
    RasaModel._rasa_predict = predict_through_concrete_function
