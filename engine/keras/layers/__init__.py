"""``tf.keras.layers``."""

from engine.keras.layers.base import InputSpec, KerasTensor, Layer  # noqa: F401
from engine.keras.layers.convolutional import (  # noqa: F401
    Conv2D,
    Convolution2D,
    GlobalAveragePooling2D,
    GlobalAvgPool2D,
    MaxPool2D,
    MaxPooling2D,
)
from engine.keras.layers.core import (  # noqa: F401
    Activation,
    Dense,
    Dropout,
    Flatten,
    ReLU,
    Reshape,
    Softmax,
)
from engine.keras.layers.embedding import Embedding  # noqa: F401
from engine.keras.layers.input_layer import Input, InputLayer  # noqa: F401
from engine.keras.layers.merging import Add, Concatenate  # noqa: F401
from engine.keras.layers.normalization import BatchNormalization  # noqa: F401
from engine.keras.layers.pooling1d import GlobalAveragePooling1D, GlobalAvgPool1D  # noqa: F401
