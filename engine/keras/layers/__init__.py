"""``tf.keras.layers``."""

from engine.keras.layers.activation_layers import ELU, LeakyReLU, PReLU  # noqa: F401
from engine.keras.layers.base import InputSpec, KerasTensor, Layer  # noqa: F401
from engine.keras.layers.convolutional import (  # noqa: F401
    Conv2D,
    Convolution2D,
    GlobalAveragePooling2D,
    GlobalAvgPool2D,
    MaxPool2D,
    MaxPooling2D,
)
from engine.keras.layers.convolutional1d import (  # noqa: F401
    Conv1D,
    Conv2DTranspose,
    Convolution1D,
    Convolution2DTranspose,
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
from engine.keras.layers.image_augmentation import (  # noqa: F401
    RandomFlip,
    RandomRotation,
    RandomZoom,
)
from engine.keras.layers.input_layer import Input, InputLayer  # noqa: F401
from engine.keras.layers.layer_normalization import LayerNormalization  # noqa: F401
from engine.keras.layers.merging import (  # noqa: F401
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    dot,
    maximum,
    minimum,
    multiply,
    subtract,
)
from engine.keras.layers.noise import (  # noqa: F401
    GaussianDropout,
    GaussianNoise,
    SpatialDropout1D,
    SpatialDropout2D,
)
from engine.keras.layers.normalization import BatchNormalization  # noqa: F401
from engine.keras.layers.passthrough import Identity, Lambda, Masking  # noqa: F401
from engine.keras.layers.pooling import (  # noqa: F401
    AveragePooling1D,
    AveragePooling2D,
    AvgPool1D,
    AvgPool2D,
    GlobalMaxPool1D,
    GlobalMaxPool2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    MaxPool1D,
    MaxPooling1D,
)
from engine.keras.layers.pooling1d import GlobalAveragePooling1D, GlobalAvgPool1D  # noqa: F401
from engine.keras.layers.preprocessing import Normalization, Rescaling  # noqa: F401
from engine.keras.layers.recurrent import (  # noqa: F401
    GRU,
    LSTM,
    RNN,
    GRUCell,
    LSTMCell,
    SimpleRNN,
    SimpleRNNCell,
)
from engine.keras.layers.reshaping import (  # noqa: F401
    Cropping2D,
    Permute,
    RepeatVector,
    UpSampling2D,
    ZeroPadding2D,
)
from engine.keras.layers.wrappers import Bidirectional, TimeDistributed  # noqa: F401
