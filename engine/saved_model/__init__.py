"""``tf.saved_model``: save a tf.Module's (or Keras model's) variables and traced functions,
and load them back as plain objects that run the saved graphs.

Tapescope's own directory layout (JSON + ``.npy``, no pickle: see ``layout``), not
TensorFlow's: TensorFlow cannot load it, and this ``load`` refuses a TensorFlow SavedModel
(``saved_model.pb``) with a clear error.
"""

from engine.saved_model.codec import SavedModelFormatError
from engine.saved_model.layout import contains as contains_saved_model
from engine.saved_model.loading import load
from engine.saved_model.saving import save

__all__ = ["SavedModelFormatError", "contains_saved_model", "load", "save"]
