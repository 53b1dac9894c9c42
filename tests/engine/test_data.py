"""tf.data semantics: what a user of ``tf.data.Dataset`` relies on, TensorFlow's behaviour."""

from __future__ import annotations

import collections

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import engine as tf
from engine import context, errors
from engine.data import (
    AUTOTUNE,
    INFINITE_CARDINALITY,
    UNKNOWN_CARDINALITY,
    Dataset,
    DatasetSpec,
    _ShuffleBuffer,
    experimental,
)
from engine.tensor_spec import TensorSpec


def values(ds: Dataset) -> list:
    """Elements as plain Python values (lists for arrays) for easy comparison."""
    def plain(x):
        if isinstance(x, dict):
            return {k: plain(v) for k, v in x.items()}
        if isinstance(x, tuple):
            return tuple(plain(v) for v in x)
        return np.asarray(x).tolist()

    return [plain(e) for e in ds.as_numpy_iterator()]


# -- sources -------------------------------------------------------------------------------

def test_slices_of_a_numpy_array_yield_tensors_keeping_the_numpy_dtype():
    x = np.arange(6, dtype=np.float64).reshape(3, 2) / 255.0
    elements = list(Dataset.from_tensor_slices(x))
    assert len(elements) == 3
    assert all(isinstance(e, tf.Tensor) for e in elements)
    assert elements[1].dtype == tf.float64 and elements[1].shape == (2,)
    np.testing.assert_array_equal(elements[2].numpy(), x[2])


def test_slices_of_python_lists_get_tensorflow_default_dtypes():
    ints = list(Dataset.from_tensor_slices([1, 2, 3]))
    floats = list(Dataset.from_tensor_slices([[1.0, 2.0], [3.0, 4.0]]))
    assert ints[0].dtype == tf.int32 and ints[2].numpy() == 3
    assert floats[0].dtype == tf.float32 and floats[0].shape == (2,)


def test_slices_of_tensors():
    ds = Dataset.from_tensor_slices(tf.constant([[1, 2], [3, 4]]))
    assert values(ds) == [[1, 2], [3, 4]]


def test_tuple_structure_is_preserved():
    ds = Dataset.from_tensor_slices((np.arange(3), np.array([10.0, 20.0, 30.0])))
    first = next(iter(ds))
    assert isinstance(first, tuple) and len(first) == 2
    assert values(ds) == [(0, 10.0), (1, 20.0), (2, 30.0)]


def test_dict_and_nested_structures_are_preserved():
    ds = Dataset.from_tensor_slices(
        {"image": np.zeros((4, 2, 2)), "meta": (np.arange(4), [5, 6, 7, 8])})
    element = next(iter(ds))
    assert set(element) == {"image", "meta"}
    assert element["image"].shape == (2, 2)
    assert element["meta"][1].numpy() == 5
    assert ds.element_spec == {
        "image": TensorSpec([2, 2], tf.float64),
        "meta": (TensorSpec([], tf.int64), TensorSpec([], tf.int32)),
    }


def test_namedtuple_elements():
    Point = collections.namedtuple("Point", "x y")
    element = next(iter(Dataset.from_tensor_slices(Point(np.arange(2), np.arange(2) * 2))))
    assert isinstance(element, Point) and element.y.numpy() == 0


def test_mismatched_first_dimensions_name_the_shapes():
    with pytest.raises(ValueError, match=r"\[0\]: \(3, 2\), \[1\]: \(2,\)"):
        Dataset.from_tensor_slices((np.zeros((3, 2)), np.zeros(2)))
    with pytest.raises(ValueError, match=r"\['a'\]: \(2,\), \['b'\]: \(5,\)"):
        Dataset.from_tensor_slices({"a": [1, 2], "b": np.arange(5)})


def test_slicing_a_scalar_is_a_clear_error():
    with pytest.raises(ValueError, match="scalar"):
        Dataset.from_tensor_slices(5)
    with pytest.raises(ValueError, match=r"component \[1\] is a scalar"):
        Dataset.from_tensor_slices(([1, 2], 3))


def test_unsupported_values_are_rejected():
    with pytest.raises(TypeError, match="datetime64"):
        Dataset.from_tensor_slices(np.array(["2020-01-01"], dtype="datetime64[D]"))
    with pytest.raises(ValueError, match="empty structure"):
        Dataset.from_tensor_slices(())


def test_complex_values_slice_as_in_tensorflow():
    elements = list(Dataset.from_tensor_slices(np.array([1 + 2j, 3j])))
    assert [e.dtype.name for e in elements] == ["complex128", "complex128"]
    assert [complex(e.numpy()) for e in elements] == [1 + 2j, 3j]


def test_the_dataset_does_not_let_anyone_write_into_the_callers_array():
    x = np.arange(6).reshape(3, 2)
    ds = Dataset.from_tensor_slices(x).batch(2)
    first = next(iter(ds))
    assert not first._value.flags.writeable  # a view of x, not a copy, and read-only
    next(ds.as_numpy_iterator())[0, 0] = 99  # numpy values handed out are the user's own
    assert x.flags.writeable and x[0, 0] == 0


def test_string_components_slice_batch_and_unbatch_as_bytes():
    ds = Dataset.from_tensor_slices((np.array(["a", "bc", "d"]), [1, 2, 3]))
    assert ds.element_spec[0] == TensorSpec([], tf.string)
    first = next(iter(ds))[0]
    assert first.dtype == tf.string and first.numpy() == b"a"
    assert values(ds.batch(2).unbatch()) == [(b"a", 1), (b"bc", 2), (b"d", 3)]
    assert next(iter(ds.batch(3)))[0].numpy().tolist() == [b"a", b"bc", b"d"]


def test_from_tensors_is_one_element():
    ds = Dataset.from_tensors(([1, 2, 3], 4.0))
    assert len(ds) == 1
    assert values(ds) == [([1, 2, 3], 4.0)]
    assert ds.element_spec == (TensorSpec([3], tf.int32), TensorSpec([], tf.float32))


def test_range_yields_int64_scalars_like_python_range():
    assert values(Dataset.range(4)) == [0, 1, 2, 3]
    assert values(Dataset.range(2, 8, 3)) == [2, 5]
    assert values(Dataset.range(5, 0, -2)) == [5, 3, 1]
    assert next(iter(Dataset.range(3))).dtype == tf.int64
    assert Dataset.range(3, output_type=tf.int32).element_spec == TensorSpec([], tf.int32)
    assert len(Dataset.range(10, 0)) == 0
    with pytest.raises(errors.InvalidArgumentError):
        Dataset.range(0, 5, 0)


def test_iterating_an_empty_dataset_just_ends():
    assert list(Dataset.from_tensor_slices(np.zeros((0, 3)))) == []
    assert list(Dataset.range(0).batch(4)) == []
    assert list(Dataset.range(0).shuffle(5)) == []
    assert list(Dataset.range(0).repeat()) == []
    assert list(Dataset.from_tensor_slices(np.zeros((0, 3))).repeat()) == []


def test_iterator_get_next_raises_out_of_range_at_the_end():
    it = iter(Dataset.range(1))
    assert it.get_next().numpy() == 0
    with pytest.raises(errors.OutOfRangeError):
        it.get_next()
    with pytest.raises(StopIteration):
        next(it)


def test_a_dataset_can_be_iterated_again():
    ds = Dataset.range(3).map(lambda x: x * 10)
    assert values(ds) == values(ds) == [0, 10, 20]


# -- batch ---------------------------------------------------------------------------------

def test_batch_keeps_a_short_last_batch():
    batches = values(Dataset.range(7).batch(3))
    assert batches == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(Dataset.range(7).batch(3)) == 3


def test_batch_drop_remainder():
    ds = Dataset.range(7).batch(3, drop_remainder=True)
    assert values(ds) == [[0, 1, 2], [3, 4, 5]]
    assert len(ds) == 2


def test_batch_element_spec_has_none_for_the_batch_unless_dropping_the_remainder():
    ds = Dataset.from_tensor_slices((np.zeros((10, 28, 28)), np.zeros(10, np.uint8)))
    assert ds.batch(4).element_spec == (TensorSpec([None, 28, 28], tf.float64),
                                        TensorSpec([None], tf.uint8))
    assert ds.batch(4, drop_remainder=True).element_spec[0].shape == (4, 28, 28)


def test_batch_size_must_be_positive():
    with pytest.raises(errors.InvalidArgumentError, match="Batch size must be greater than zero"):
        Dataset.range(3).batch(0)


def test_batch_of_computed_elements_stacks_them():
    ds = Dataset.range(5).map(lambda x: (x, tf.fill([2], x))).batch(2)
    first = next(iter(ds))
    assert first[0].shape == (2,) and first[1].shape == (2, 2)
    assert values(ds)[-1] == ([4], [[4, 4]])


def test_batching_elements_of_different_shapes_names_both_shapes():
    ds = Dataset.range(1, 4).map(lambda n: tf.zeros([n])).batch(3)
    message = r"shape \[1\] and element 1 had shape \[2\]"
    with pytest.raises(errors.InvalidArgumentError, match=message):
        list(ds)


def test_batch_then_unbatch_round_trips():
    ds = Dataset.from_tensor_slices((np.arange(7), np.arange(7) * 2)).batch(3).unbatch()
    assert values(ds) == [(i, 2 * i) for i in range(7)]
    assert ds.element_spec == (TensorSpec([], tf.int64), TensorSpec([], tf.int64))


def test_unbatch_cardinality_is_known_only_for_fixed_batches():
    assert len(Dataset.range(8).batch(4, drop_remainder=True).unbatch()) == 8
    assert Dataset.range(8).batch(3).unbatch().cardinality().numpy() == UNKNOWN_CARDINALITY


# -- shuffle -------------------------------------------------------------------------------

def test_shuffle_with_buffer_size_one_keeps_the_order():
    assert values(Dataset.range(20).shuffle(1)) == list(range(20))
    rows = Dataset.from_tensor_slices(np.arange(20)).shuffle(1)
    assert values(rows) == list(range(20))


@pytest.mark.parametrize("make", [
    lambda n: Dataset.from_tensor_slices(np.arange(n)),  # rows: index-vectorized path
    lambda n: Dataset.range(n),  # computed elements: element path
], ids=["rows", "elements"])
def test_shuffle_with_a_full_buffer_is_a_permutation_that_changes(make):
    shuffled = values(make(100).shuffle(100, seed=3))
    assert sorted(shuffled) == list(range(100))
    assert shuffled != list(range(100))


@pytest.mark.parametrize("make", [
    lambda n: Dataset.from_tensor_slices(np.arange(n)),
    lambda n: Dataset.range(n),
], ids=["rows", "elements"])
def test_position_k_comes_from_the_first_buffer_size_plus_k_inputs(make):
    buffer_size = 5
    firsts = collections.Counter()
    for seed in range(300):
        out = values(make(30).shuffle(buffer_size, seed=seed))
        assert all(v < buffer_size + k for k, v in enumerate(out))
        firsts[out[0]] += 1
    assert set(firsts) == set(range(buffer_size))  # and each of them does happen
    assert min(firsts.values()) > 300 / buffer_size / 2  # roughly uniform


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 300), size=st.integers(1, 40), block=st.integers(1, 50),
       seed=st.integers(0, 2**31))
def test_shuffle_buffer_matches_the_one_at_a_time_definition(n, size, block, seed):
    """The vectorized buffer emits exactly what TF's loop emits for the same slot draws."""
    fast = _ShuffleBuffer(size, np.random.default_rng(seed))
    out = [fast.push(np.arange(lo, min(n, lo + block))) for lo in range(0, n, block)]
    out.append(fast.drain())
    got = np.concatenate(out).tolist() if out else []

    rng = np.random.default_rng(seed)  # the reference consumes the same draws per block
    slots: list[int] = []
    expected = []
    for lo in range(0, n, block):
        arrivals = list(range(lo, min(n, lo + block)))
        room = size - len(slots)
        slots += arrivals[:room]
        arrivals = arrivals[room:]
        if arrivals:
            for j, arrival in zip(rng.integers(0, size, size=len(arrivals)).tolist(), arrivals):
                expected.append(slots[j])
                slots[j] = arrival
    expected += np.asarray(slots, dtype=np.int64)[rng.permutation(len(slots))].tolist()
    assert got == expected


def test_shuffle_reshuffles_each_iteration_by_default():
    ds = Dataset.from_tensor_slices(np.arange(50)).shuffle(50, seed=1)
    assert values(ds) != values(ds)


def test_shuffle_without_reshuffling_repeats_its_order():
    for ds in (Dataset.from_tensor_slices(np.arange(50)), Dataset.range(50)):
        fixed = ds.shuffle(50, reshuffle_each_iteration=False)
        assert values(fixed) == values(fixed)


def test_shuffle_then_repeat_reshuffles_each_repetition():
    out = values(Dataset.range(20).shuffle(20, seed=4).repeat(2))
    assert sorted(out[:20]) == sorted(out[20:]) == list(range(20))
    assert out[:20] != out[20:]


def test_global_seed_makes_shuffles_reproducible():
    def two_epochs():
        ds = Dataset.from_tensor_slices(np.arange(40)).shuffle(10)
        return values(ds), values(ds)

    try:
        tf.random.set_seed(1234)
        first = two_epochs()
        tf.random.set_seed(1234)
        assert two_epochs() == first
        tf.random.set_seed(99)
        assert two_epochs() != first
    finally:
        tf.random.set_seed(None)


def test_op_seed_makes_shuffles_reproducible():
    a = values(Dataset.range(40).shuffle(10, seed=7))
    b = values(Dataset.range(40).shuffle(10, seed=7))
    assert a == b


def test_under_a_global_seed_each_new_shuffle_differs_but_the_sequence_repeats():
    def build_two():
        return [values(Dataset.range(40).shuffle(40)) for _ in range(2)]

    try:
        tf.random.set_seed(5)
        first, second = build_two()
        assert first != second
        tf.random.set_seed(5)
        assert build_two() == [first, second]
    finally:
        tf.random.set_seed(None)


def test_shuffle_buffer_size_must_be_positive():
    with pytest.raises(errors.InvalidArgumentError):
        Dataset.range(3).shuffle(0)


# -- map, filter ---------------------------------------------------------------------------

def test_map_passes_tuple_components_as_arguments():
    ds = Dataset.from_tensor_slices(([1, 2], [10, 20])).map(lambda a, b: a + b)
    assert values(ds) == [11, 22]
    assert ds.element_spec == TensorSpec([], tf.int32)


def test_map_passes_a_dict_as_one_argument_and_can_return_a_dict():
    ds = Dataset.from_tensor_slices({"x": [1.0, 2.0]}).map(lambda d: {"y": d["x"] * 2})
    assert values(ds) == [{"y": 2.0}, {"y": 4.0}]


def test_map_the_tutorial_normalization():
    images = np.full((4, 2, 2), 255, np.uint8)
    ds = Dataset.from_tensor_slices((images, np.arange(4))).map(
        lambda x, y: (tf.cast(x, tf.float32) / 255.0, y)).batch(2)
    x, y = next(iter(ds))
    assert x.dtype == tf.float32 and x.shape == (2, 2, 2) and float(x.numpy().max()) == 1.0
    assert ds.element_spec[0] == TensorSpec([None, 2, 2], tf.float32)


def test_map_turns_a_returned_list_into_a_tuple_and_python_numbers_into_tensors():
    element = next(iter(Dataset.range(1).map(lambda x: [x, 2.5])))
    assert isinstance(element, tuple)
    assert element[1].dtype == tf.float32


def test_map_must_return_one_structure():
    ds = Dataset.range(3).map(lambda x: (x, x) if int(x) == 0 else x)
    with pytest.raises(ValueError, match="one structure"):
        list(ds)


def test_map_element_spec_before_iterating():
    ds = Dataset.range(3).map(lambda x: tf.cast(x, tf.float32) * 2.0)
    assert ds.element_spec == TensorSpec([], tf.float32)
    assert Dataset.range(0).map(lambda x: tf.cast(x, tf.float32)).element_spec == \
        TensorSpec([], tf.float32)


def test_filter_keeps_matching_elements_and_makes_the_length_unknown():
    ds = Dataset.range(10).filter(lambda x: x % 3 == 0)
    assert values(ds) == [0, 3, 6, 9]
    assert ds.cardinality().numpy() == UNKNOWN_CARDINALITY
    with pytest.raises(TypeError, match="The dataset length is unknown."):
        len(ds)


def test_filter_predicate_must_be_a_scalar_bool():
    with pytest.raises(ValueError, match="scalar boolean"):
        list(Dataset.range(3).filter(lambda x: x))


# -- repeat, take, skip, cache, prefetch -----------------------------------------------------

def test_repeat_count_and_forever():
    assert values(Dataset.range(3).repeat(2)) == [0, 1, 2, 0, 1, 2]
    forever = Dataset.range(3).repeat()
    assert forever.cardinality().numpy() == INFINITE_CARDINALITY
    assert experimental.cardinality(forever).numpy() == experimental.INFINITE_CARDINALITY
    with pytest.raises(TypeError, match="The dataset is infinite."):
        len(forever)
    assert values(forever.take(7)) == [0, 1, 2, 0, 1, 2, 0]
    assert len(forever.take(7)) == 7


def test_take_and_skip():
    ds = Dataset.range(10)
    assert values(ds.take(3)) == [0, 1, 2]
    assert values(ds.skip(7)) == [7, 8, 9]
    assert values(ds.take(-1)) == list(range(10))
    assert values(ds.skip(-1)) == []
    assert len(ds.take(20)) == 10 and len(ds.skip(20)) == 0 and len(ds.skip(3)) == 7


def test_cache_replays_the_first_pass():
    calls = []
    ds = Dataset.range(4).map(lambda x: (calls.append(1), x)[1]).cache()
    assert values(ds) == values(ds) == [0, 1, 2, 3]
    assert len(calls) == 4  # the map ran for the first pass only


def test_cache_after_shuffle_freezes_the_order():
    for source in (Dataset.from_tensor_slices(np.arange(30)), Dataset.range(30)):
        ds = source.shuffle(30, seed=5).cache()
        assert values(ds) == values(ds)


def test_a_partial_pass_is_not_cached():
    ds = Dataset.range(5).cache()
    assert values(ds.take(2)) == [0, 1]
    assert values(ds) == [0, 1, 2, 3, 4]


def test_prefetch_changes_nothing():
    ds = Dataset.range(5).batch(2).prefetch(AUTOTUNE)
    assert values(ds) == [[0, 1], [2, 3], [4]]
    assert len(ds) == 3


# hypothesis: the vectorized row pipeline equals the element-by-element one
_ops = st.lists(st.one_of(
    st.tuples(st.just("take"), st.integers(-1, 25)),
    st.tuples(st.just("skip"), st.integers(-1, 25)),
    st.tuples(st.just("repeat"), st.integers(0, 3)),
    st.tuples(st.just("cache"), st.just(0)),
    st.tuples(st.just("prefetch"), st.just(1)),
), max_size=4)


@settings(max_examples=80, deadline=None)
@given(n=st.integers(0, 30), ops=_ops, batch=st.integers(1, 7), drop=st.booleans())
def test_row_pipelines_equal_element_pipelines(n, ops, batch, drop):
    x = np.arange(n * 2).reshape(n, 2)
    rows = Dataset.from_tensor_slices((x, np.arange(n)))
    elements = rows.map(lambda a, b: (a, b))  # the same data through the generic path
    for op, arg in ops:
        rows, elements = getattr(rows, op)(arg), getattr(elements, op)(arg)
    rows, elements = rows.batch(batch, drop), elements.batch(batch, drop)
    got = values(rows)
    assert got == values(elements)
    assert len(rows) == len(got)


# -- cardinality, element_spec, structure-level transformations --------------------------

def test_len_and_cardinality():
    ds = Dataset.from_tensor_slices(np.zeros((10, 3)))
    assert len(ds) == 10 and ds.cardinality().numpy() == 10
    assert ds.cardinality().dtype == tf.int64
    assert len(ds.shuffle(4).batch(3).map(lambda x: x)) == 4
    assert bool(Dataset.range(0).filter(lambda x: x > 0))  # truthy without a length


def test_enumerate():
    ds = Dataset.from_tensor_slices(np.array([7, 8, 9])).enumerate(start=1)
    assert values(ds) == [(1, 7), (2, 8), (3, 9)]
    assert ds.element_spec[0] == TensorSpec([], tf.int64)
    assert len(ds) == 3


def test_zip_tuples_and_dicts():
    a, b = Dataset.range(3), Dataset.range(10, 15)
    assert values(Dataset.zip((a, b))) == [(0, 10), (1, 11), (2, 12)]
    assert values(Dataset.zip(a, b)) == [(0, 10), (1, 11), (2, 12)]
    assert values(Dataset.zip({"i": a, "j": b}).take(1)) == [{"i": 0, "j": 10}]
    pairs = Dataset.from_tensor_slices((np.arange(3), np.arange(3)))
    nested = Dataset.zip((pairs, a))
    assert values(nested)[2] == ((2, 2), 2)
    assert len(nested) == 3 and len(Dataset.zip(a, b.repeat())) == 3


def test_concatenate():
    ds = Dataset.range(2).concatenate(Dataset.range(5, 7))
    assert values(ds) == [0, 1, 5, 6]
    assert len(ds) == 4
    batches = Dataset.range(4).batch(4, True).concatenate(Dataset.range(2).batch(2, True))
    assert batches.element_spec == TensorSpec([None], tf.int64)
    with pytest.raises(TypeError, match="Incompatible"):
        Dataset.range(2).concatenate(Dataset.from_tensor_slices([1.0]))


def test_reduce():
    assert Dataset.range(5).reduce(np.int64(0), lambda s, x: s + x).numpy() == 10


def test_repr_names_the_element_spec():
    text = repr(Dataset.from_tensor_slices(np.zeros((3, 2))).batch(2))
    assert text == ("<_BatchDataset element_spec=TensorSpec(shape=(None, 2), "
                    "dtype=tf.float64, name=None)>")


def test_as_numpy_iterator_yields_numpy():
    out = list(Dataset.from_tensor_slices((np.arange(2), np.ones((2, 3)))).as_numpy_iterator())
    assert isinstance(out[0][0], np.integer) and isinstance(out[0][1], np.ndarray)


# -- the MNIST tutorial pipeline -----------------------------------------------------------

def test_mnist_tutorial_pipeline_shapes_and_length():
    x_train = np.zeros((60000, 28, 28), np.float64)  # the dtype of the tutorial's x / 255.0
    y_train = np.zeros(60000, np.uint8)
    ds = Dataset.from_tensor_slices((x_train, y_train)).batch(32).shuffle(10000)
    assert len(ds) == 1875
    count = 0
    for images, labels in ds:
        assert images.shape == (32, 28, 28) and images.dtype == tf.float64
        assert labels.shape == (32,) and labels.dtype == tf.uint8
        count += 1
    assert count == 1875
    assert ds.element_spec == (TensorSpec([None, 28, 28], tf.float64),
                               TensorSpec([None], tf.uint8))


def test_shuffled_batches_cover_every_example_once():
    x = np.arange(1000)
    ds = Dataset.from_tensor_slices((x, x * 2)).shuffle(1000, seed=0).batch(64)
    seen = np.concatenate([a.numpy() for a, b in ds if np.all(b.numpy() == a.numpy() * 2)])
    assert sorted(seen.tolist()) == list(range(1000))


# -- uneven elements: from_generator, padded_batch, window, flat_map ----------------------

def test_from_generator_calls_the_generator_anew_for_every_pass():
    calls = []

    def gen(n):
        calls.append(n)
        yield from range(int(n))

    ds = Dataset.from_generator(gen, args=(3,), output_signature=TensorSpec([], tf.int64))
    assert values(ds) == values(ds) == [0, 1, 2]
    assert calls == [3, 3] and isinstance(calls[0], np.int32)  # args arrive as numpy
    assert ds.element_spec == TensorSpec([], tf.int64)
    assert ds.cardinality().numpy() == UNKNOWN_CARDINALITY


def test_from_generator_names_what_a_bad_element_should_have_been():
    signature = (TensorSpec([], tf.int32), TensorSpec([None], tf.float32))
    wrong_structure = Dataset.from_generator(lambda: iter([5]), output_signature=signature)
    with pytest.raises(errors.InvalidArgumentError, match="did not match the expected structure"):
        list(wrong_structure)
    wrong_type = Dataset.from_generator(lambda: iter([("x", [1.0])]), output_signature=signature)
    with pytest.raises(errors.InvalidArgumentError, match="expected type was int32"):
        list(wrong_type)
    with pytest.raises(TypeError, match="not both|can not be used together"):
        Dataset.from_generator(lambda: iter([1]), output_types=tf.int32,
                               output_signature=TensorSpec([], tf.int32))


def test_from_generator_of_strings_yields_bytes():
    ds = Dataset.from_generator(lambda: iter([("a", 1), (b"b", 2)]), output_signature=(
        TensorSpec([], tf.string), TensorSpec([], tf.int32)))
    assert values(ds) == [(b"a", 1), (b"b", 2)]
    wrong = Dataset.from_generator(lambda: iter([7]), output_signature=TensorSpec([], tf.string))
    with pytest.raises(errors.InvalidArgumentError, match="expected type was string"):
        list(wrong)


def test_padded_batch_spec_and_length():
    ds = Dataset.range(1, 6).map(lambda x: tf.fill([x], x))
    assert ds.padded_batch(2).element_spec == TensorSpec([None, None], tf.int64)
    fixed = ds.padded_batch(2, padded_shapes=[8], drop_remainder=True)
    assert fixed.element_spec == TensorSpec([2, 8], tf.int64)
    assert len(ds.padded_batch(2)) == 3 and len(fixed) == 2
    assert values(ds.padded_batch(5))[0][0] == [1, 0, 0, 0, 0]


def test_padded_batch_of_dicts_takes_padding_values_by_key():
    ds = Dataset.range(1, 3).map(lambda x: {"ids": tf.fill([x], x), "n": x})
    batch = values(ds.padded_batch(2, padding_values={"ids": np.int64(-1), "n": np.int64(0)}))
    assert batch == [{"ids": [[1, -1], [2, 2]], "n": [1, 2]}]
    with pytest.raises(ValueError, match="structure"):
        ds.padded_batch(2, padded_shapes=[None])


def test_window_elements_are_datasets_with_a_dataset_spec():
    ds = Dataset.range(5).window(2, shift=2)
    assert ds.element_spec == DatasetSpec(TensorSpec([], tf.int64))
    assert repr(ds.element_spec) == ("DatasetSpec(TensorSpec(shape=(), dtype=tf.int64, "
                                     "name=None), TensorShape([]))")
    windows = list(ds)
    assert all(isinstance(w, Dataset) for w in windows)
    assert [values(w) for w in windows] == [[0, 1], [2, 3], [4]]
    assert len(ds) == 3 and len(Dataset.range(5).window(2, drop_remainder=True)) == 2


def test_window_of_an_endless_dataset_streams():
    ds = Dataset.range(3).repeat().window(4, shift=3).flat_map(lambda w: w.batch(4))
    assert values(ds.take(3)) == [[0, 1, 2, 0], [0, 1, 2, 0], [0, 1, 2, 0]]


def test_flat_map_needs_a_dataset_back():
    ds = Dataset.range(3).flat_map(lambda x: x)
    with pytest.raises(TypeError, match="must return a `Dataset`"):
        list(ds)
    assert Dataset.range(3).flat_map(Dataset.from_tensors).cardinality().numpy() == \
        UNKNOWN_CARDINALITY


# -- debugger hook -------------------------------------------------------------------------

class RecordingHook(context.Hook):
    def __init__(self):
        self.events = []

    def dataset_next(self, dataset, index):
        self.events.append(("next", dataset, index))

    def dataset_epoch_end(self, dataset):
        self.events.append(("end", dataset))


@pytest.fixture
def hook():
    recorder = RecordingHook()
    previous = context.set_hook(recorder)
    yield recorder
    context.set_hook(previous)


def test_hook_hears_each_element_and_the_end_of_each_pass(hook):
    ds = Dataset.range(3).batch(2)
    for _ in range(2):
        list(ds)
    assert hook.events == [("next", ds, 0), ("next", ds, 1), ("end", ds)] * 2


def test_hook_hears_generated_and_flat_mapped_elements_once_each(hook):
    ds = Dataset.from_generator(lambda: iter([[1, 2], [3]]),
                                output_signature=TensorSpec([None], tf.int32))
    flat = ds.flat_map(Dataset.from_tensor_slices)
    assert values(flat) == [1, 2, 3]
    # the inner datasets are read by the pipeline, not iterated: one element, one event
    assert hook.events == [("next", flat, 0), ("next", flat, 1), ("next", flat, 2),
                           ("end", flat)]


def test_a_hook_that_overrides_no_dataset_method_is_fine():
    previous = context.set_hook(context.Hook())
    try:
        assert values(Dataset.range(2)) == [0, 1]
    finally:
        context.set_hook(previous)
