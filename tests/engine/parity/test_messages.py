"""Where TensorFlow raises, the engine raises with TensorFlow's message, word for word.

Every parity case whose fixture raises is run; the engine's message must equal TensorFlow's
(``make_fixtures.py`` stores it cut to 300 characters, with this machine's paths replaced),
the ``{{function_node __wrapped__...}}`` TF's eager kernels start with included. The cases
in ``KNOWN`` differ for a stated reason; a KNOWN case that starts to match must leave the
list, so the list only shrinks.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import test_parity as parity

import engine

# Why a case's message differs from TensorFlow's, one reason per kind of difference.
GRAPH_EXECUTION = ("TF reports a traced function's runtime error as 'Graph execution error: "
                   "Detected at node ...' with the Python traceback of the node's creation; "
                   "the engine, which traces concretely, raises the op's eager error")
INTERNAL_NAME = ("TF names the op after ' name: ' with the name its Python wrapper chose "
                 "(strided_slice/, diag, diag_part); the engine's ops carry no such names")
SET_ORDER = ("TF prints a Python set of strings, whose order changes with each process's "
             "string hashing")
TRACEBACK = "TF quotes a Python traceback from inside its own files"
STRUCTURE = ("TF's nest describes both structures as 'type=list str=[TensorSpec(...)]' and adds "
             "'More specifically: ...'; the engine prints the values")
BINDING = ("TF's FunctionType binding error quotes the received args and the whole signature "
           "(engine/function.py's messages)")
FUNCTION_ID = "the number in __inference_<name>_<id> counts the functions each process traced"
LINALG = ("a linalg kernel's own wording (engine/ops/linalg*, in the numerics work of issue "
          "11; left alone here)")
BFLOAT16 = "TF lists tf.bfloat16 among the accepted dtypes; the engine has no bfloat16"
CLASS_PATH = "the message names a class by its module path (tensorflow.python... vs engine...)"
STALE_FIXTURE = ("fixtures_numerics.json was made before make_fixtures.py gave the cases' source "
                 "to linecache, so TF could not convert the function; TF 2.21 run today wraps "
                 "it in 'in user code:' exactly as the engine does (regenerating the area, "
                 "another session's, drops this entry)")
TRACED_BATCH = ("Keras 3's fit traces its step with an unknown batch size, so the call's "
                "arguments print shape=(None, 2); the engine's fit runs on the batch's own shape")
PYFUNC_NUMBER = "the number in pyfunc_<n> counts the py_functions each process made"

KNOWN: dict[str, str] = {
    "arrays:sort_bad_axis": INTERNAL_NAME,
    "arrays:variable_assign_bad_shape": INTERNAL_NAME,
    "autograph:sliced_assign_of_a_wrong_shape_raises": GRAPH_EXECUTION,
    "autograph:tensor_array_write_past_a_fixed_size_raises": GRAPH_EXECUTION,
    "autograph:name_first_bound_in_a_while_that_never_runs_raises": GRAPH_EXECUTION,
    "autograph:name_first_bound_in_a_tf_range_loop_that_never_runs_raises": GRAPH_EXECUTION,
    "autograph:name_first_bound_in_a_loop_over_an_empty_tensor_raises": GRAPH_EXECUTION,
    "control:while_loop_body_changes_structure": STRUCTURE,
    "control:while_loop_maximum_iterations_structure": STRUCTURE,
    "datadebug:from_generator_wrong_shape_raises": TRACEBACK,
    "function:input_signature_rejects_an_incompatible_shape": BINDING,
    "function:input_signature_rejects_another_dtype": BINDING,
    "function:concrete_function_rejects_another_python_literal": BINDING,
    "function:concrete_function_rejects_another_dtype": FUNCTION_ID,
    "keras:reduction_auto_is_gone_in_keras_3": SET_ORDER,
    "keras:reduction_unknown_raises": SET_ORDER,
    "linalg:solve_shape_mismatch": LINALG,
    "linalg:svd_gradient_full_matrices_off_by_two": LINALG,
    "linalg:qr_gradient_full_matrices_tall": LINALG,
    "linalg:diag_scalar": INTERNAL_NAME,
    "linalg:diag_part_rank1": INTERNAL_NAME,
    "linalg:diag_part_out_of_range": INTERNAL_NAME,
    "linalg:diag_part_below_out_of_range": INTERNAL_NAME,
    "random:stateless_uniform_bool": BFLOAT16,
    "mathnn:clip_by_global_norm_tensor_raises": CLASS_PATH,
    "kerasmsg:fit_wraps_a_layers_error_raises": TRACED_BATCH,
    "numerics:add_of_mixed_dtypes_in_a_function": STALE_FIXTURE,
    "traced:dataset_argument_with_another_spec_is_refused_by_the_concrete_function":
        GRAPH_EXECUTION,
    "mathapi:py_function_wrong_dtype": TRACEBACK,
    "mathapi:py_function_raises_value_error": TRACEBACK,
    "mathapi:py_function_raises_other_error": TRACEBACK,
    "mathapi:py_function_wrong_count": PYFUNC_NUMBER,
    "mathapi:numpy_function_in_tf_function_wrong_dtype": GRAPH_EXECUTION,
}

MAX_STORED = 300  # make_fixtures.py keeps the first 300 characters of a message

RAISING = [pytest.param(area, name, code, id=f"{area}:{name}")
           for area, name, code in (p.values for p in parity.PARAMS)
           if "raises" in parity.FIXTURES[area][name]]


def _without_paths(message: str) -> str:
    """As make_fixtures.py stores TF's messages: temporary directories as <tmp>."""
    return re.sub(r"/tmp/tmp\w+", "<tmp>", message)


def engine_message(name: str, code: str) -> str:
    try:
        exec(parity.compiled(name, code), {"tf": engine, "np": np})  # noqa: S102 - own cases
    except Exception as exc:  # noqa: BLE001 - the message is what is compared
        return _without_paths(str(exc))
    return "(the engine raised nothing)"


def same_message(got: str, stored: str) -> bool:
    """Whether the engine's message is TF's, up to where the fixture cut TF's off."""
    if len(stored) >= MAX_STORED:
        return got[:len(stored)] == stored
    return got == stored


@pytest.mark.parametrize("area, name, code", RAISING)
def test_the_engine_raises_tensorflows_message(area: str, name: str, code: str) -> None:
    stored = parity.FIXTURES[area][name]["message"]
    got = engine_message(name, code)
    key = f"{area}:{name}"
    if key in KNOWN:
        assert not same_message(got, stored), f"{key} now matches TF: remove it from KNOWN"
        return
    assert same_message(got, stored), (
        f"{key}\n  TF:     {stored!r}\n  engine: {got!r}")


def test_every_known_difference_is_a_raising_case() -> None:
    raising = {p.id for p in RAISING}
    assert set(KNOWN) <= raising, sorted(set(KNOWN) - raising)
