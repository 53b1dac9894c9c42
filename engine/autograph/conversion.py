"""Turning a Python function into its converted twin: source → AST → transformed AST →
code object with the user's file name and line numbers, bound to the function's own
globals, closure cells and defaults (so the debugger's source lines stay the user's)."""

from __future__ import annotations

import ast
import copy
import functools
import inspect
import linecache
import re
import sysconfig
import textwrap
import types
import warnings
import weakref
from pathlib import Path
from typing import Any

from engine.autograph import operators
from engine.autograph.transformer import AG, convert_function_def
from engine.context import STATE

_ENGINE_DIR = str(Path(__file__).resolve().parents[1])
_LIBRARY_DIRS = tuple({sysconfig.get_paths()[k] for k in ("stdlib", "purelib", "platlib")})
_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_CONVERTED_MARK = "__ag_converted__"
# code objects of functions and lambdas defined inside converted code (converted with it)
_CONVERTED_CODES: set[types.CodeType] = set()
# Whether the function being traced runs converted (``tf.function(autograph=...)``): then
# the functions it hands to ``tf.map_fn`` are converted too, as TensorFlow does.
STATUS: list[bool] = []
_SKIP_MARK = "__ag_do_not_convert__"


class _Namespace(types.SimpleNamespace):
    """What generated code calls ``ag__``."""


AG_MODULE = _Namespace(**{name: getattr(operators, name) for name in (
    "if_stmt", "while_stmt", "for_stmt", "and_", "or_", "not_", "neither", "Undefined",
    "UndefinedReturnValue", "bound_or_undefined", "return_value", "range_iterable", "get_attr",
    "set_attr", "if_exp")})


def do_not_convert(func: Any = None) -> Any:
    """``tf.autograph.experimental.do_not_convert``: run ``func`` as written."""
    if func is None:
        return do_not_convert
    try:
        setattr(func, _SKIP_MARK, True)
    except AttributeError:
        pass
    return func


def is_user_function(fn: Any) -> bool:
    """A plain Python function of the user's code (not the engine's, nor a library's)."""
    fn = getattr(fn, "__func__", fn)
    if not isinstance(fn, types.FunctionType) or getattr(fn, _SKIP_MARK, False):
        return False
    if getattr(fn, _CONVERTED_MARK, False):
        return False
    if AG in fn.__code__.co_freevars or fn.__code__ in _CONVERTED_CODES:
        return False  # defined inside converted code: converted with it
    if fn.__code__.co_flags & (inspect.CO_GENERATOR | inspect.CO_COROUTINE
                               | inspect.CO_ASYNC_GENERATOR):
        return False  # a yield moved into a generated function would change what it means
    return _is_user_file(fn.__code__.co_filename)


@functools.lru_cache(maxsize=4096)
def _is_user_file(file: str) -> bool:
    if file.startswith("<"):  # exec'd code: converted (a warning says so if its source is gone)
        return not file.startswith(("<frozen", "<tf.function"))
    path = str(Path(file).resolve())
    return not path.startswith(_ENGINE_DIR) and not path.startswith(_LIBRARY_DIRS)


def to_code(func: Any, recursive: bool = True, experimental_optional_features: Any = None,
            ) -> str:
    """``tf.autograph.to_code``: the converted source, as Python text."""
    fdef, _ = _converted_ast(getattr(func, "python_function", func))
    return ast.unparse(fdef) + "\n"


def _converted_ast(fn: Any) -> tuple[ast.FunctionDef, int]:
    code = getattr(fn, "__code__", None)
    if code is not None and code.co_name == "<lambda>":
        fdef = _lambda_as_def(code)
        convert_function_def(fdef)
        return fdef, 1  # its lines are the file's own already
    # the code's own source: inspect would follow a functools.wraps wrapper to the wrapped
    lines, first = _source_lines(code) if code is not None else ([], 0)
    if not lines:  # inspect's search (and its error when there is no source)
        lines, first = inspect.getsourcelines(code if code is not None else fn)
    source = textwrap.dedent("".join(lines))
    tree = ast.parse(source)
    fdef = tree.body[0]
    if not isinstance(fdef, ast.FunctionDef):
        raise ValueError(f"{fn.__name__}: not a def statement")
    name = code.co_name if code is not None else fn.__name__
    if fdef.name != name:
        raise ValueError(f"{name}: the source found is of {fdef.name}")
    # the defaults are the function's own objects, not its source evaluated again
    fdef.args.defaults = []
    fdef.args.kw_defaults = [None] * len(fdef.args.kwonlyargs)
    convert_function_def(fdef)
    return fdef, first


def _source_lines(code: types.CodeType) -> tuple[list[str], int]:
    """The lines of ``code``'s block read straight from linecache, as
    ``inspect.getsourcelines(code)`` finds them — without its ``getmodule``, whose first call
    resolves the path of every loaded module (~20 ms on a tf.function's first call)."""
    first = code.co_firstlineno
    file_lines = linecache.getlines(code.co_filename)
    if not 0 < first <= len(file_lines):
        return [], 0
    return inspect.getblock(file_lines[first - 1:]), first


def _lambda_as_def(code: types.CodeType) -> ast.FunctionDef:
    """The lambda of ``code`` as ``def <lambda>(...): return ...``, found in its file's
    syntax tree by where its expression starts (a line may hold several lambdas)."""
    tree = _file_tree(code.co_filename)
    starts = {(line, col) for line, _, col, _ in code.co_positions()
              if line is not None and col is not None}
    found = [node for node in ast.walk(tree) if isinstance(node, ast.Lambda)
             and (node.body.lineno, node.body.col_offset) in starts]
    if len(found) != 1:
        raise ValueError(f"its source was not found: {len(found)} lambdas start where it does")
    lam = copy.deepcopy(found[0])  # the cached tree stays as parsed
    fdef = ast.FunctionDef(name="<lambda>", args=lam.args, body=[ast.Return(value=lam.body)],
                           decorator_list=[], returns=None, type_params=[])
    fdef.args.defaults = []  # the function's own default objects, not its source again
    fdef.args.kw_defaults = [None] * len(fdef.args.kwonlyargs)
    return ast.fix_missing_locations(ast.copy_location(fdef, lam))


def _file_tree(file: str) -> ast.Module:
    """The syntax tree of a whole source file (as linecache has it), parsed once per version
    of its text."""
    text = "".join(linecache.getlines(file))
    if not text:
        raise OSError("could not get source code")
    return _parsed(text)


@functools.lru_cache(maxsize=64)
def _parsed(text: str) -> ast.Module:
    return ast.parse(text)


def convert(fn: Any) -> Any:
    """The converted twin of ``fn`` (cached per function object); ``fn`` itself where its
    source cannot be had or converted (as TensorFlow, with a warning)."""
    bound_to = getattr(fn, "__self__", None) if inspect.ismethod(fn) else None
    plain = fn.__func__ if bound_to is not None else fn
    converted = _CACHE.get(plain)
    if converted is None:
        try:
            converted = _build(plain)
        except (OSError, TypeError, SyntaxError, ValueError) as exc:
            warnings.warn(f"AutoGraph could not transform {plain.__qualname__} and will run it "
                          f"as-is: {exc}", stacklevel=3)
            converted = plain
        _CACHE[plain] = converted
    return types.MethodType(converted, bound_to) if bound_to is not None else converted


def _build(fn: types.FunctionType) -> types.FunctionType:
    fdef, first = _converted_ast(fn)
    code = fn.__code__
    freevars = list(code.co_freevars)
    factory = ast.FunctionDef(
        name="__ag_factory", args=ast.arguments(
            posonlyargs=[], args=[ast.arg(arg=n) for n in [AG, *freevars]], vararg=None,
            kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]),
        body=[fdef, ast.Return(value=ast.Name(id=fdef.name, ctx=ast.Load()))],
        decorator_list=[], returns=None, type_params=[])
    module = ast.Module(body=[factory], type_ignores=[])
    ast.copy_location(factory, fdef)
    ast.fix_missing_locations(module)
    ast.increment_lineno(module, first - 1)
    compiled = compile(module, code.co_filename, "exec")
    factory_code = next(c for c in compiled.co_consts if isinstance(c, types.CodeType))
    inner = next(c for c in factory_code.co_consts
                 if isinstance(c, types.CodeType) and c.co_name == code.co_name)
    cells = dict(zip(code.co_freevars, fn.__closure__ or ()))
    closure = tuple(cells[n] if n in cells else types.CellType(AG_MODULE if n == AG else None)
                    for n in inner.co_freevars)
    converted = types.FunctionType(inner, fn.__globals__, fn.__name__, fn.__defaults__,
                                   closure or None)
    converted.__kwdefaults__ = fn.__kwdefaults__
    functools.update_wrapper(converted, fn)
    setattr(converted, _CONVERTED_MARK, True)
    _CONVERTED_CODES.update(_nested_codes(inner))
    return converted


def _nested_codes(code: types.CodeType) -> list[types.CodeType]:
    out = []
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            out += [const, *_nested_codes(const)]
    return out


def converted_if_enabled(fn: Any) -> Any:
    """``fn`` converted if a user's function is handed to ``tf.map_fn`` while a converted
    function is traced (not under ``tf.function(autograph=False)``)."""
    if STATE.graph is not None and (not STATUS or STATUS[-1]) and is_user_function(fn):
        return convert(fn)
    return fn


def converted_call(fn: Any, /, *args: Any, **kwargs: Any) -> Any:
    """A call in converted code: a user's function called while tracing is converted too
    (TensorFlow's recursive conversion); anything else is called as it is."""
    if STATE.graph is not None and is_user_function(fn):
        fn = convert(fn)
    return fn(*args, **kwargs)


AG_MODULE.converted_call = converted_call


# Python's errors AutoGraph re-raises with the user's frames (TF's ag_error_metadata); op
# errors stay as they are, and a KeyError's text would gain quotes.
# the functions the transformer generates for a statement's parts (transformer.py's names)
_GENERATED = re.compile(r"(if_body|else_body|loop_test|loop_body|extra_test|get_state|"
                        r"set_state)_\d+$")
_WRAPPED_TYPES = (ValueError, TypeError, NotImplementedError, NameError, AttributeError,
                  IndexError, AssertionError)


def in_user_code(exc: BaseException) -> BaseException | None:
    """``exc`` as TensorFlow reports an error raised while tracing converted code: "in user
    code:", then each of the user's frames on the way (``*`` marks converted ones) with its
    source line, then the error. None when ``exc`` is not such an error (or already is)."""
    if not isinstance(exc, _WRAPPED_TYPES) or getattr(exc, "ag_error_metadata", False):
        return None
    frames: list[tuple[str, int, str, bool]] = []  # file, line, function, converted
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if _is_user_file(code.co_filename) and not code.co_filename.startswith("<tf.function"):
            converted = code in _CONVERTED_CODES or AG in code.co_freevars
            name = code.co_name
            if converted and _GENERATED.match(name) and frames and frames[-1][3]:
                # a loop or branch body AutoGraph made: TF shows its line in the function
                # that holds it, in place of that function's line of the statement
                name = frames.pop()[2]
            frames.append((code.co_filename, tb.tb_lineno, name, converted))
        tb = tb.tb_next
    if not frames:  # raised before any of the user's code ran
        return None
    lines = ["in user code:", ""]
    for file, line, name, converted in frames:
        lines += [f'    File "{file}", line {line}, in {name}{"  *" if converted else ""}',
                  f"        {linecache.getline(file, line).strip()}"]
    error_lines = f"{type(exc).__name__}: {exc}".split("\n")
    message = "\n".join([*lines, "", *(f"    {text}" for text in error_lines), ""])
    try:
        wrapped = type(exc)(message)
    except Exception:  # noqa: BLE001 - a constructor of its own: leave the error alone
        return None
    if str(wrapped) != message:
        return None
    wrapped.ag_error_metadata = True
    return wrapped
