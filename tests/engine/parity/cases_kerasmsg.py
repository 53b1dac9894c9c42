"""Parity cases for exception texts (area "kerasmsg"): the ``{{function_node __wrapped__...}}``
TensorFlow's eager runtime puts before a kernel's error (oneDNN's kernel names, variadic
lengths), ``e.message`` / ``str(e)`` / ``e.args`` / ``e.op`` of an OpError, and Keras 3's
"Exception encountered when calling X.call()" around an error raised in a layer's call.
Texts are returned as string tensors, so they are compared whole, not cut to 300 characters.
"""

from __future__ import annotations

_FORMS = """
def forms(fn):
    try:
        fn()
    except Exception as e:
        return [type(e).__name__, str(e), repr(e.args), str(getattr(e, "message", None)),
                repr(getattr(e, "op", None)), repr(getattr(e, "node_def", None)),
                str(getattr(e, "_keras_call_info_injected", None))]
    return ["(nothing raised)"]
"""

_BOOM = """
class Boom(tf.keras.layers.Layer):
    armed = False
    def call(self, inputs, scale=2.0, training=None):
        if Boom.armed:
            raise ValueError("boom")
        return inputs * scale
"""

CASES: list[tuple[str, str]] = [
    # -- what TensorFlow's eager runtime adds to a kernel's error -------------------------------
    ("kernel_error_message_str_args_and_op", _FORMS + """
result = tf.constant(forms(lambda: tf.constant([1, 2]) + tf.constant([1, 2, 3]))
                     + forms(lambda: tf.reshape(tf.ones([2, 3]), [4])))
"""),
    ("kernel_error_of_a_named_op", _FORMS + """
result = tf.constant(forms(lambda: tf.add(tf.constant([1, 2]), tf.constant([1, 2, 3]),
                                          name="plus")))
"""),
    ("onednn_names_the_float32_matmul_kernel_only", """
texts = []
for dtype in [tf.float32, tf.float64, tf.int32]:
    try:
        tf.matmul(tf.ones([2, 3], dtype), tf.ones([2, 3], dtype))
    except tf.errors.InvalidArgumentError as e:
        texts.append(str(e))
result = tf.constant(texts)
"""),
    ("variadic_argument_lengths_in_the_wrapped_name", _FORMS + """
result = tf.constant(forms(lambda: tf.stack([tf.ones([2]), tf.ones([2]), tf.ones([3])]))
                     + forms(lambda: tf.split(tf.ones([5]), 2))
                     + forms(lambda: tf.add_n([tf.ones([2]), tf.ones([3])]))
                     + forms(lambda: tf.einsum("ij,jk->ik", tf.ones([2, 3], tf.float64),
                                               tf.ones([2, 3], tf.float64))))
"""),
    ("concat_and_split_shape_errors", """
texts = []
for fn in [lambda: tf.concat([tf.ones([2, 2]), tf.ones([2])], 0),
           lambda: tf.concat([tf.ones([2, 2, 3]), tf.ones([2, 3, 4])], 1),
           lambda: tf.concat([tf.ones([2, 2]), tf.ones([2, 2]), tf.ones([2, 3])], -2),
           lambda: tf.stack([tf.ones([2, 2]), tf.ones([3, 2])], name="pair"),
           lambda: tf.split(tf.ones([5]), [2, 2])]:
    try:
        fn()
    except tf.errors.InvalidArgumentError as e:
        texts.append(e.message)
result = tf.constant(texts)
"""),
    ("attr_values_the_registry_refuses_whole_text", """
texts = []
for fn in [lambda: tf.reduce_sum(tf.constant([True, False])),
           lambda: tf.gather(tf.ones([3]), tf.constant([1.0])),
           lambda: tf.one_hot(tf.constant([1.0]), 3),
           lambda: tf.nn.avg_pool2d(tf.ones([1, 4, 4, 1]), 2, 1, "FULL"),
           lambda: tf.nn.avg_pool2d(tf.ones([1, 4, 4, 1], tf.int32), 2, 1, "VALID"),
           lambda: tf.math.ceil(tf.constant([1, 2])),
           lambda: tf.random.stateless_uniform([2], seed=tf.constant([1.0, 2.0])),
           lambda: tf.einsum("ij,jk->ik", tf.ones([2, 2]), tf.ones([2, 2], tf.float64))]:
    try:
        fn()
    except tf.errors.InvalidArgumentError as e:
        texts.append(str(e))
result = tf.constant(texts)
"""),
    ("no_kernel_lists_every_registered_kernel", """
texts = []
tf.random.set_seed(5)
for fn in [lambda: tf.math.reciprocal(tf.constant([1, 2])),
           lambda: tf.linalg.det(tf.ones([2, 2], tf.float16)),
           lambda: tf.random.categorical(tf.constant([[1, 2]]), 2, dtype=tf.int32),
           lambda: tf.random.categorical(tf.constant([[1, 2]]), 2, seed=7)]:
    try:
        fn()
    except tf.errors.NotFoundError as e:
        texts.append(str(e))
result = tf.constant(texts)
"""),
    ("dtype_mismatch_names_the_kernel_onednn_runs", """
texts = []
for fn in [lambda: tf.matmul(tf.constant([[1.0, 2.0]]), tf.constant([[1], [2]])),
           lambda: tf.nn.conv2d(tf.ones([1, 3, 3, 1]), tf.ones([1, 1, 1, 1], tf.float64), 1,
                                "VALID"),
           lambda: tf.matmul(tf.ones([2, 2], tf.float64), tf.ones([2, 2]))]:
    try:
        fn()
    except tf.errors.InvalidArgumentError as e:
        texts.append(str(e))
result = tf.constant(texts)
"""),
    ("errors_before_any_kernel_runs_have_no_prefix", _FORMS + """
result = tf.constant(forms(lambda: tf.add(tf.constant([1.0]), tf.constant([1]))))
"""),
    ("eager_fallback_keeps_the_prefix_without_a_name", _FORMS + """
result = tf.constant(forms(lambda: tf.pad([1, 2], [[-1, 1]])))
"""),
    ("kernel_error_raises", """
result = tf.gather(tf.ones([2, 3]), 7)
"""),
    # -- Keras 3: an error raised in a layer's call ---------------------------------------------
    ("dense_wrong_last_dimension_raises", """
tf.keras.backend.clear_session()
d = tf.keras.layers.Dense(3)
d(tf.ones([2, 4]))
result = d(tf.ones([2, 5]))
"""),
    ("dense_wrong_rank_raises", """
tf.keras.backend.clear_session()
result = tf.keras.layers.Dense(3)(tf.ones([4]))
"""),
    ("embedding_out_of_range_is_wrapped", _FORMS + """
e = tf.keras.layers.Embedding(3, 2)
result = tf.constant(forms(lambda: e(tf.constant([0, 3]))))
"""),
    ("embedding_out_of_range_raises", """
result = tf.keras.layers.Embedding(3, 2)(tf.constant([[0, 1], [3, 0]]))
"""),
    ("custom_layer_error_lists_every_argument", _FORMS + _BOOM + """
Boom.armed = True
result = tf.constant(forms(lambda: Boom()(tf.ones([2]), scale=3))
                     + forms(lambda: Boom()(np.ones([2, 2])))
                     + forms(lambda: Boom()([tf.ones([2]), tf.ones([3])], training=True)))
"""),
    ("custom_layer_error_raises", _BOOM + """
Boom.armed = True
result = Boom()(tf.ones([2, 2]), scale=0.5)
"""),
    ("nested_layers_wrap_the_innermost_once", _FORMS + """
class Inner(tf.keras.layers.Layer):
    def call(self, x):
        return tf.matmul(x, tf.ones([5, 2]))
class Outer(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.inner = Inner()
    def call(self, x):
        return self.inner(x)
result = tf.constant(forms(lambda: Outer()(tf.ones([2, 3]))))
"""),
    ("sequential_wraps_an_inner_layers_input_error", _FORMS + """
tf.keras.backend.clear_session()
model = tf.keras.Sequential([tf.keras.layers.Dense(2)])
model(tf.ones([1, 4]))
result = tf.constant(forms(lambda: model(tf.ones([2, 5]))))
"""),
    ("inner_layer_of_a_sequential_sees_training", _FORMS + _BOOM + """
model = tf.keras.Sequential([tf.keras.layers.Input((2,)), Boom()])
Boom.armed = True
result = tf.constant(forms(lambda: model(tf.ones([1, 2])))
                     + forms(lambda: model(tf.ones([1, 2]), training=True)))
"""),
    ("functional_model_wraps_its_layers_kernel_error", _FORMS + """
class Take(tf.keras.layers.Layer):
    def call(self, x):
        return tf.gather(tf.ones([3]), tf.cast(x[:, 0], tf.int32))
inp = tf.keras.Input((2,))
model = tf.keras.Model(inp, Take()(inp))
result = tf.constant(forms(lambda: model(tf.constant([[5.0, 0.0]]))))
"""),
    ("predict_wraps_with_training_false", _FORMS + _BOOM + """
model = tf.keras.Sequential([tf.keras.layers.Input((2,)), Boom()])
Boom.armed = True
result = tf.constant(forms(lambda: model.predict(np.ones([4, 2], np.float32), verbose=0)))
"""),
    ("fit_wraps_a_layers_error_raises", _BOOM + """
model = tf.keras.Sequential([tf.keras.layers.Input((2,)), Boom()])
model.compile("sgd", "mse")
Boom.armed = True
model.fit(np.ones([4, 2], np.float32), np.ones([4, 2], np.float32), verbose=0)
"""),
    ("exception_classes_keras_rebuilds", _FORMS + """
class Custom(Exception):
    def __init__(self, a, b):
        super().__init__(a, b)
class Raiser(tf.keras.layers.Layer):
    kind = "key"
    def call(self, x):
        if Raiser.kind == "key":
            return {}["k"]
        if Raiser.kind == "custom":
            raise Custom("a", "b")
        raise RuntimeError()
texts = []
for kind in ["key", "custom", "bare"]:
    Raiser.kind = kind
    texts += forms(lambda: Raiser()(tf.ones([1])))
result = tf.constant(texts)
"""),
    ("disabled_traceback_filtering_raises_the_error_bare", _FORMS + _BOOM + """
Boom.armed = True
tf.keras.config.disable_traceback_filtering()
try:
    texts = forms(lambda: Boom()(tf.ones([2]))) + [
        str(tf.keras.config.is_traceback_filtering_enabled())]
finally:
    tf.keras.config.enable_traceback_filtering()
result = tf.constant(texts + forms(lambda: Boom()(tf.ones([2]))))
"""),
    ("keras_config_reports_its_settings", """
result = tf.constant([tf.keras.config.floatx(), tf.keras.config.backend(),
                      str(tf.keras.config.epsilon()),
                      str(tf.keras.config.is_traceback_filtering_enabled())])
"""),
    ("arguments_that_do_not_bind_raise_keras_type_error", _FORMS + """
class Two(tf.keras.layers.Layer):
    def call(self, a, b):
        return a + b
result = tf.constant(forms(lambda: Two()(tf.ones([1]), tf.ones([1]), c=1)))
"""),
]
