"""A saved model is untrusted input: damaged or hostile files give one clear error naming
the problem (SavedModelFormatError, a ValueError), never a deep traceback or pickle."""

from __future__ import annotations

import json

import numpy as np
import pytest

import engine as tf
from engine.saved_model import SavedModelFormatError


class Affine(tf.Module):
    def __init__(self):
        super().__init__()
        self.w = tf.Variable([[1.0, 2.0], [3.0, 4.0]], name="w")
        self.b = tf.Variable([0.5, -0.5], name="b")

    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    def __call__(self, x):
        return tf.matmul(x, self.w) + self.b


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "affine"
    tf.saved_model.save(Affine(), str(path))
    return path


def _edit(path, change):
    manifest = path / "tapescope_saved_model.json"
    document = json.loads(manifest.read_text())
    change(document)
    manifest.write_text(json.dumps(document))


def _nodes(document):
    return document["concretes"][0]["graph"]["nodes"]


def _load_fails(path, match):
    with pytest.raises(SavedModelFormatError, match=match):
        tf.saved_model.load(str(path))


def test_the_untouched_model_loads(saved):
    loaded = tf.saved_model.load(str(saved))
    np.testing.assert_array_equal(loaded(tf.constant([[1.0, 1.0]])).numpy(), [[4.5, 5.5]])


def test_truncated_json(saved):
    manifest = saved / "tapescope_saved_model.json"
    manifest.write_text(manifest.read_text()[:200])
    _load_fails(saved, r"tapescope_saved_model.json: not valid JSON \(truncated or damaged\?\)")


def test_wrong_dtype_of_a_variable_file(saved):
    np.save(saved / "variables" / "variable_1.npy", np.zeros((2, 2), np.int64))
    _load_fails(saved, r"variable 'w': variables/variable_1.npy holds int64\[2, 2\], but the "
                       r"manifest says float32\[2, 2\]")


def test_unknown_dtype_name(saved):
    _edit(saved, lambda d: d["variables"][0].update(dtype="float99"))
    _load_fails(saved, "variable 'b': unknown dtype 'float99'")


def test_missing_variable_file(saved):
    (saved / "variables" / "variable_0.npy").unlink()
    _load_fails(saved, r"variable 'b': its value file variables/variable_0.npy is missing")


def test_truncated_variable_file(saved):
    path = saved / "variables" / "variable_1.npy"
    path.write_bytes(path.read_bytes()[:-4])
    _load_fails(saved, r"variable 'w': variables/variable_1.npy is not a readable .npy file")


def test_pickled_variable_file_is_refused(saved):
    np.save(saved / "variables" / "variable_1.npy", np.array([{"a": 1}], dtype=object),
            allow_pickle=True)
    _load_fails(saved, r"variable 'w': variables/variable_1.npy is not a readable .npy file")


@pytest.mark.parametrize("name", ["../../outside.npy", "/etc/passwd", "..npy", "a/b.npy",
                                  "variable_0.txt"])
def test_path_traversal_in_a_variable_file_name(saved, name):
    (saved.parent / "outside.npy").write_bytes(b"")
    _edit(saved, lambda d: d["variables"][1].update(file=name))
    _load_fails(saved, "variable 'w': refused file name")


def test_unknown_op_name(saved):
    def change(document):
        next(n for n in _nodes(document) if n["op"] == "MatMul")["op"] = "LaunchMissiles"

    _edit(saved, change)
    _load_fails(saved, "node 'MatMul': unknown op 'LaunchMissiles'")


def test_an_input_from_a_later_node(saved):
    _edit(saved, lambda d: _nodes(d)[1].update(inputs=[999]))
    _load_fails(saved, "input 999 is not the output of an earlier node")


def test_an_attribute_an_op_does_not_take(saved):
    def change(document):
        next(n for n in _nodes(document) if n["op"] == "MatMul")["attrs"]["evil"] = 1

    _edit(saved, change)
    _load_fails(saved, r"the saved graph does not run: TypeError: .*evil")


def test_output_shapes_that_lie(saved):
    def change(document):
        node = next(n for n in _nodes(document) if n["op"] == "MatMul")
        node["outputs"][0][1] = [7, 7]

    _edit(saved, change)
    _load_fails(saved, r"node 'MatMul' \(MatMul\) computes outputs \[f32\[2, 2\]\], but the "
                       r"file says \[f32\[7, 7\]\]")


def test_unknown_value_tags_and_dangling_references(saved):
    def tag(document):
        _nodes(document)[0]["attrs"]["x"] = {"pickle": "gASV"}

    _edit(saved, tag)
    _load_fails(saved, "unknown value tag 'pickle'")


def test_a_variable_reference_out_of_range(saved):
    def change(document):
        node = next(n for n in _nodes(document) if n["op"] == "ReadVariableOp")
        node["attrs"]["variable"] = {"variable": 42}

    _edit(saved, change)
    _load_fails(saved, "reference to unknown variable 42")


def test_a_refused_assignment_action(saved):
    def change(document):
        node = next(n for n in _nodes(document) if n["op"] == "ReadVariableOp")
        value = node["outputs"][0][0]
        _nodes(document).append({"name": "evil", "op": "AssignVariableOp", "scope": "",
                                 "source": ["", 0], "inputs": [value],
                                 "attrs": {"variable": {"variable": 0},
                                           "action": {"tuple": []}}, "outputs": []})

    _edit(saved, change)
    _load_fails(saved, "node 'evil': unknown variable action")


def test_a_missing_constants_archive(saved):
    (saved / "constants.npz").unlink()
    _load_fails(saved, "the graphs' constants file is missing")


def test_a_damaged_constants_archive(saved):
    (saved / "constants.npz").write_bytes(b"PK\x03\x04 not a zip")
    _load_fails(saved, "not a readable .npz archive")


def test_an_implausible_argument_shape(saved):
    def change(document):
        placeholder = _nodes(document)[0]
        placeholder["outputs"][0][1] = [1 << 20, 1 << 20]

    _edit(saved, change)
    _load_fails(saved, "implausible argument shape")


def test_a_refused_attribute_name(saved):
    _edit(saved, lambda d: d["objects"][0]["children"].update(
        {"__class__": {"variable": 0}}))
    _load_fails(saved, "refused attribute name '__class__'")


def test_a_tensorflow_saved_model_is_refused(tmp_path):
    (tmp_path / "saved_model.pb").write_bytes(b"\x08\x01")
    _load_fails(tmp_path, r"holds a TensorFlow SavedModel \(saved_model.pb\): Tapescope's "
                          "engine reads only SavedModels saved by its own")
    assert not tf.saved_model.contains_saved_model(str(tmp_path))


def test_a_directory_without_a_saved_model(tmp_path):
    with pytest.raises(OSError, match="SavedModel file does not exist at"):
        tf.saved_model.load(str(tmp_path))


def test_another_format_version(saved):
    _edit(saved, lambda d: d.update(version=99))
    _load_fails(saved, "format version 99 is not supported")


def test_parameters_that_are_not_its_placeholders(saved):
    _edit(saved, lambda d: d["concretes"][0]["graph"].update(params=[]))
    _load_fails(saved, "parameters do not match its Placeholder nodes")


def test_a_call_that_is_not_a_function(saved):
    _edit(saved, lambda d: d["objects"][0]["children"].update(__call__={"object": 0}))
    _load_fails(saved, "'__call__' is not a function")


def test_values_nested_too_deeply(saved):
    def change(document):
        value = None
        for _ in range(400):  # (JSON writes and reads it; decoding it exhausts the stack)
            value = {"list": [value]}
        document["concretes"][0]["constants"] = value

    _edit(saved, change)
    _load_fails(saved, "the manifest nests values too deeply")


def test_saving_again_replaces_the_manifest_last(saved):
    module = Affine()
    module.b.assign([9.0, 9.0])
    tf.saved_model.save(module, str(saved))
    assert not (saved / "tapescope_saved_model.json.partial").exists()
    np.testing.assert_array_equal(tf.saved_model.load(str(saved)).b.numpy(), [9.0, 9.0])
