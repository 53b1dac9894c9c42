"""More of ``tf.linalg``: eigh/eigvalsh, slogdet/logdet, triangular_solve and what TensorFlow
builds on it (cholesky_solve, lstsq), pinv, matrix_rank, normalize, cross, set_diag, expm
and lu.

Ops of their own (forward on numpy's LAPACK, gradient rules after TensorFlow's
linalg_grad.py, written in engine ops): SelfAdjointEigV2, LogMatrixDeterminant,
MatrixTriangularSolve, MatrixSetDiagV3, Cross, Lu (no gradient in TensorFlow: asking is a
LookupError). The rest are TensorFlow's Python composites, so they differentiate through
those ops (expm: its Padé approximants, scaling and squaring, op for op).
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from engine import dtypes as _dt
from engine import errors
from engine.ops import array_ops as a
from engine.ops import math_ops as m
from engine.ops import reduction_ops as r
from engine.ops._args import kernel_dtype_name
from engine.ops.linalg_ops import (
    _lapack,
    _require_matrices,
    _safe_reciprocal,
    band_part,
    cholesky,
    diag,
    diag_part,
    inv,
    solve,
    svd,
)
from engine.ops.math_ops import unbroadcast
from engine.ops.registry import OpCall, defop, execute
from engine.tensor import Tensor, convert_to_tensor

LogMatrixDeterminant = namedtuple("LogMatrixDeterminant", ["sign", "log_abs_determinant"])
Lu = namedtuple("Lu", ["lu", "p"])


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def _adjoint(x: Tensor) -> Tensor:
    perm = list(range(x._value.ndim))
    perm[-1], perm[-2] = perm[-2], perm[-1]
    return a.transpose(x, perm)


# -- set_diag ---------------------------------------------------------------------------

@defop("MatrixSetDiagV3")
def _set_diag(x, diagonal):
    """x with its main diagonal replaced by ``diagonal``."""
    out = x.copy()
    n = min(x.shape[-2:])
    idx = np.arange(n)
    out[..., idx, idx] = diagonal
    return out


SET_DIAG = _set_diag


@SET_DIAG.gradient
def _(op, dy):
    """x: dy with the diagonal zeroed; diagonal: dy's diagonal."""
    x, d = op.inputs
    return (execute(SET_DIAG, (dy, m.zeros_like(d))) if op.needs(0) else None,
            unbroadcast(diag_part(dy), d) if op.needs(1) else None)


def set_diag(input: Any, diagonal: Any, name: str = "set_diag", k: Any = 0,  # noqa: A002
             align: str = "RIGHT_LEFT") -> Tensor:
    """``tf.linalg.set_diag``: each matrix with its main diagonal replaced."""
    x = _t(input)
    d = _t(diagonal) if isinstance(diagonal, Tensor) else convert_to_tensor(diagonal,
                                                                             dtype=x.dtype)
    if k not in (0, (0, 0), [0, 0]):
        raise NotImplementedError("tf.linalg.set_diag: only the main diagonal (k=0) is "
                                  "supported here")
    shape = x._value.shape
    want = shape[:-2] + (min(shape[-2:]),) if len(shape) >= 2 else None
    if want is None or d._value.shape != want:
        raise errors.InvalidArgumentError(
            None, "MatrixSetDiagV3", "Either first dimensions of diagonal don't match "
            "input.shape[:-2], or diagonal.shape[:-1] is not equal to the longests diagonal in "
            "range [lower_diag_index:upper_diag_index].\nInput shape: "
            f"[{','.join(map(str, shape))}]\nDiagonal shape: "
            f"[{','.join(map(str, d._value.shape))}]\nExpected diagonal shape: "
            f"[{','.join(map(str, want or ()))}] [Op:MatrixSetDiagV3]")
    return execute(SET_DIAG, (x, d))


# -- eigh ---------------------------------------------------------------------------------

@defop("SelfAdjointEigV2", num_outputs=2)
def _eigh(x):
    """Eigenvalues (ascending) and eigenvectors of each symmetric matrix, read from its
    lower triangle."""
    e, v = np.linalg.eigh(_lapack(x), UPLO="L")
    return e.astype(x.dtype, copy=False), v.astype(x.dtype, copy=False)


EIGH = _eigh


@EIGH.gradient
def _(op, de, dv):
    """TensorFlow's _SelfAdjointEigV2Grad: V (diag(de) + F ∘ (Vᴴ dv)) Vᴴ with
    F = 1 / (e_j - e_i) off the diagonal; symmetrized onto the lower triangle the forward
    read, the diagonal halved."""
    e, v = op.outputs
    if de is None:
        de = m.zeros_like(e)
    inner = diag(de)
    if dv is not None:
        f = execute(SET_DIAG, (_safe_reciprocal(m.subtract(a.expand_dims(e, -2),
                                                           a.expand_dims(e, -1))),
                               m.zeros_like(e)))
        inner = m.add(inner, m.multiply(f, m.matmul(v, dv, transpose_a=True)))
    grad = m.matmul(v, m.matmul(inner, v, transpose_b=True))
    grad = band_part(m.add(grad, _adjoint(grad)), -1, 0)
    return (execute(SET_DIAG, (grad, m.multiply(0.5, diag_part(grad)))),)


def eigh(tensor: Any, name: str | None = None) -> tuple[Tensor, Tensor]:
    """``tf.linalg.eigh``: (eigenvalues ascending, eigenvectors as columns) of each
    self-adjoint matrix; only its lower triangle is read."""
    x = _t(tensor)
    _require_matrices("SelfAdjointEigV2", x)
    return execute(EIGH, (x,))


def eigvalsh(tensor: Any, name: str | None = None) -> Tensor:
    """``tf.linalg.eigvalsh``: the eigenvalues of each self-adjoint matrix, ascending."""
    return eigh(tensor)[0]


# -- determinants ---------------------------------------------------------------------------

@defop("LogMatrixDeterminant", num_outputs=2)
def _slogdet(x):
    """The sign of each determinant and the log of its absolute value (LU, pivoted)."""
    sign, logdet = np.linalg.slogdet(_lapack(x))
    sign = np.where(np.isneginf(logdet), -0.0, sign)  # TensorFlow's sign of a singular matrix
    return sign.astype(x.dtype), logdet.astype(x.dtype)


SLOGDET = _slogdet


@SLOGDET.gradient
def _(op, dsign, dlog):
    """d log|det A| = dlog · A⁻ᴴ (the sign is piecewise constant)."""
    if dlog is None:
        return (None,)
    scale = a.expand_dims(a.expand_dims(dlog, -1), -1)
    return (m.multiply(scale, inv(op.inputs[0], adjoint=True)),)


def slogdet(input: Any, name: str | None = None) -> LogMatrixDeterminant:  # noqa: A002
    """``tf.linalg.slogdet``: (sign, log|det|) of each matrix, stable for tiny or huge
    determinants."""
    x = _t(input)
    _require_matrices("LogMatrixDeterminant", x)
    sign, logdet = execute(SLOGDET, (x,))
    return LogMatrixDeterminant(sign, logdet)


def logdet(matrix: Any, name: str | None = None) -> Tensor:
    """``tf.linalg.logdet``: log det of each Hermitian positive definite matrix, as
    TensorFlow computes it: 2 · Σ log(diag(cholesky(matrix)))."""
    chol = cholesky(matrix)
    return m.multiply(2.0, r.reduce_sum(m.log(diag_part(chol)), axis=[-1]))


# -- triangular solves ------------------------------------------------------------------------

def _triangle(x: np.ndarray, lower: bool) -> np.ndarray:
    return np.tril(x) if lower else np.triu(x)


@defop("MatrixTriangularSolve")
def _triangular_solve(matrix, rhs, lower=True, adjoint=False):
    """X with T · X = rhs (Tᴴ with ``adjoint``), T the lower (or upper) triangle of matrix;
    batch dimensions broadcast."""
    t = _triangle(_lapack(matrix), lower)
    if adjoint:
        t = np.swapaxes(t, -1, -2)
    batch = np.broadcast_shapes(t.shape[:-2], rhs.shape[:-2])
    t = np.broadcast_to(t, batch + t.shape[-2:])
    b = np.broadcast_to(_lapack(rhs), batch + rhs.shape[-2:])
    with np.errstate(all="ignore"):
        try:
            out = np.linalg.solve(t, b)
        except np.linalg.LinAlgError:  # a zero on the diagonal: inf/NaN, as TF's kernel
            out = _substitution(t, b, lower != adjoint)
    return out.astype(matrix.dtype, copy=False)


def _substitution(t: np.ndarray, b: np.ndarray, lower: bool) -> np.ndarray:
    """Forward (or back) substitution, letting a zero pivot give inf/NaN."""
    n = t.shape[-1]
    x = np.zeros(b.shape, dtype=np.result_type(t, b))
    order = range(n) if lower else range(n - 1, -1, -1)
    for i in order:
        acc = b[..., i, :] - np.einsum("...j,...jk->...k", t[..., i, :], x)
        x[..., i, :] = acc / t[..., i, i][..., None]
    return x


TRIANGULAR_SOLVE = _triangular_solve


@TRIANGULAR_SOLVE.gradient
def _(op, dy):
    """TensorFlow's _MatrixTriangularSolveGrad: d rhs = solve(Tᴴ, dy); d matrix = -d rhs · Xᴴ
    (-X · d rhsᴴ with ``adjoint``), kept to the triangle the forward read; both summed
    over broadcast batch dimensions."""
    matrix, rhs = op.inputs
    x = op.outputs[0]
    lower, adjoint = op.attrs.get("lower", True), op.attrs.get("adjoint", False)
    grad_b = execute(TRIANGULAR_SOLVE, (matrix, dy), {"lower": lower, "adjoint": not adjoint})
    if adjoint:
        grad_a = m.negative(m.matmul(x, grad_b, transpose_b=True))
    else:
        grad_a = m.negative(m.matmul(grad_b, x, transpose_b=True))
    grad_a = band_part(grad_a, -1, 0) if lower else band_part(grad_a, 0, -1)
    return (unbroadcast(grad_a, matrix) if op.needs(0) else None,
            unbroadcast(grad_b, rhs) if op.needs(1) else None)


def triangular_solve(matrix: Any, rhs: Any, lower: bool = True, adjoint: bool = False,
                     name: str | None = None) -> Tensor:
    """``tf.linalg.triangular_solve``: X with T · X = rhs for the lower (or upper) triangle T
    of ``matrix``; batch dimensions broadcast."""
    t, b = _t(matrix), _t(rhs)
    if t._value.dtype.kind != "f":
        raise errors.InvalidArgumentError(  # TF's kernel-registry text
            None, "MatrixTriangularSolve", f"Value for attr 'T' of "
            f"{kernel_dtype_name(t._value.dtype)} is not in the list of allowed values: "
            "bfloat16, double, float, half, complex64, complex128\n\t; NodeDef: {{node "
            "MatrixTriangularSolve}}; Op<name=MatrixTriangularSolve; signature=matrix:T, "
            "rhs:T -> output:T; attr=lower:bool,default=true; attr=adjoint:bool,default=false;"
            " attr=T:type,allowed=[DT_BFLOAT16, DT_DOUBLE, DT_FLOAT, DT_HALF, DT_COMPLEX64, "
            "DT_COMPLEX128]> [Op:MatrixTriangularSolve]")
    _require_matrices("MatrixTriangularSolve", t)
    _require_matrices("MatrixTriangularSolve", b, square=False)
    if t._value.dtype != b._value.dtype:
        raise errors.InvalidArgumentError(
            None, "MatrixTriangularSolve", f"cannot compute MatrixTriangularSolve as input "
            f"#1(zero-based) was expected to be a {t.dtype.name} tensor but is a "
            f"{b.dtype.name} tensor [Op:MatrixTriangularSolve]")
    if t._value.shape[-1] != b._value.shape[-2]:
        raise errors.InvalidArgumentError(  # TF's kernel's words (shapes, lower, adjoint)
            None, "MatrixTriangularSolve", f"In[0] mismatch In[1] shape: "
            f"{t._value.shape[-1]} vs. {b._value.shape[-2]}: "
            f"[{','.join(map(str, t._value.shape))}] [{','.join(map(str, b._value.shape))}] "
            f"{int(bool(lower))} {int(bool(adjoint))} [Op:MatrixTriangularSolve]")
    try:
        np.broadcast_shapes(t._value.shape[:-2], b._value.shape[:-2])
    except ValueError:
        raise errors.InvalidArgumentError(
            None, "MatrixTriangularSolve", "Incompatible shapes: "
            f"{list(t._value.shape)} vs. {list(b._value.shape)} [Op:MatrixTriangularSolve]"
        ) from None
    return execute(TRIANGULAR_SOLVE, (t, b), {"lower": bool(lower), "adjoint": bool(adjoint)})


def cholesky_solve(chol: Any, rhs: Any, name: str | None = None) -> Tensor:
    """``tf.linalg.cholesky_solve``: X with A · X = rhs given A's Cholesky factor (two
    triangular solves, as TensorFlow does)."""
    y = triangular_solve(chol, rhs, lower=True, adjoint=False)
    return triangular_solve(chol, y, lower=True, adjoint=True)


def _gramian_cholesky(matrix: Tensor, l2: Any, first_kind: bool) -> Tensor:
    gram = m.matmul(matrix, matrix, transpose_a=first_kind, transpose_b=not first_kind)
    if isinstance(l2, Tensor) or l2 != 0:
        n = matrix._value.shape[-1 if first_kind else -2]
        identity = a.eye(n, batch_shape=list(matrix._value.shape[:-2]), dtype=matrix.dtype)
        gram = m.add(gram, m.multiply(l2, identity))
    return cholesky(gram)


def lstsq(matrix: Any, rhs: Any, l2_regularizer: Any = 0.0, fast: bool = True,
          name: str | None = None) -> Tensor:
    """``tf.linalg.lstsq``: the least-squares solution (minimum norm when underdetermined)
    by the Cholesky factor of the regularized normal equations (TensorFlow's fast path)."""
    a_, b = _t(matrix), _t(rhs)
    _require_matrices("MatrixSolveLs", a_, square=False)
    _require_matrices("MatrixSolveLs", b, square=False)
    if not fast:
        raise NotImplementedError("tf.linalg.lstsq(fast=False) (complete orthogonal "
                                  "factorization) is not implemented; use fast=True")
    rows, cols = a_._value.shape[-2:]  # (mismatched rows: the first matmul says so, as TF)
    if rows >= cols:
        chol = _gramian_cholesky(a_, l2_regularizer, True)
        return cholesky_solve(chol, m.matmul(a_, b, transpose_a=True))
    chol = _gramian_cholesky(a_, l2_regularizer, False)
    return m.matmul(a_, cholesky_solve(chol, b), transpose_a=True)


# -- from the SVD -------------------------------------------------------------------------------

def pinv(a_: Any, rcond: Any = None, validate_args: bool = False,
         name: str | None = None) -> Tensor:
    """``tf.linalg.pinv``: the Moore-Penrose pseudo-inverse from the SVD, singular values
    below rcond · max(s) treated as zero (rcond defaults to 10 · max(m, n) · eps)."""
    x = _t(a_)
    _require_matrices("Svd", x, square=False)
    dtype = x._value.dtype
    if rcond is None:
        rcond = 10.0 * max(x._value.shape[-2:]) * np.finfo(dtype).eps
    rcond = convert_to_tensor(rcond, dtype=_dt.as_dtype(dtype))
    s, u, v = svd(x, full_matrices=False, compute_uv=True)
    cutoff = m.multiply(rcond, r.reduce_max(s, axis=-1))
    s = m.where(m.greater(s, a.expand_dims(cutoff, -1)), s,
                convert_to_tensor(np.array(np.inf, dtype)))
    return m.matmul(m.divide(v, a.expand_dims(s, -2)), u, transpose_b=True)


def matrix_rank(a_: Any, tol: Any = None, validate_args: bool = False,
                name: str | None = None) -> Tensor:
    """``tf.linalg.matrix_rank``: the number of singular values above tol (by default
    eps · max(m, n) · max(s)), as int32."""
    x = _t(a_)
    s = svd(x, compute_uv=False)
    if tol is None:
        eps = np.finfo(x._value.dtype).eps
        tol = m.multiply(eps * float(max(x._value.shape[-2:])),
                         r.reduce_max(s, axis=-1, keepdims=True))
    return r.reduce_sum(m.cast(m.greater(s, tol), _dt.int32), axis=-1)


# -- normalize, cross -----------------------------------------------------------------------------

def normalize(tensor: Any, ord: Any = "euclidean", axis: Any = None,  # noqa: A002
              name: str | None = None) -> tuple[Tensor, Tensor]:
    """``tf.linalg.normalize``: (tensor / its norm, the norm kept as a dimension)."""
    from engine.linalg import norm

    x = _t(tensor)
    n = m.cast(norm(x, ord=ord, axis=axis, keepdims=True), x.dtype)
    return m.divide(x, n), n


@defop("Cross")
def _cross(u, v):
    """The cross product of the 3-vectors along the last axis."""
    return np.cross(u, v)


CROSS = _cross


@CROSS.gradient
def _(op, dy):
    """u × v: d u = v × dy, d v = dy × u."""
    u, v = op.inputs
    return execute(CROSS, (v, dy)), execute(CROSS, (dy, u))


def cross(a: Any, b: Any, name: str | None = None) -> Tensor:  # noqa: A002 - TF's names
    """``tf.linalg.cross``: pairwise cross products of 3-element vectors (last axis)."""
    from engine.ops._args import binary_args

    u, v = binary_args(a, b, "Cross")
    if u._value.shape != v._value.shape:
        raise errors.InvalidArgumentError(
            None, "Cross", "Both inputs must be of same shape: "
            f"[{','.join(map(str, u._value.shape))}] vs. "
            f"[{','.join(map(str, v._value.shape))}] [Op:Cross]")
    if u._value.ndim == 0 or u._value.shape[-1] != 3:
        raise errors.FailedPreconditionError(
            None, "Cross", "Cross-products are only defined for 3-element vectors. "
            "[Op:Cross]")
    return execute(CROSS, (u, v))


# -- expm ----------------------------------------------------------------------------------------

_PADE = {
    3: [120.0, 60.0, 12.0],
    5: [30240.0, 15120.0, 3360.0, 420.0, 30.0],
    7: [17297280.0, 8648640.0, 1995840.0, 277200.0, 25200.0, 1512.0, 56.0],
    9: [17643225600.0, 8821612800.0, 2075673600.0, 302702400.0, 30270240.0, 2162160.0,
        110880.0, 3960.0, 90.0],
    13: [64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
         129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
         40840800.0, 960960.0, 16380.0, 182.0],
}


def _pade(x: Tensor, order: int) -> tuple[Tensor, Tensor]:
    """TensorFlow's _matrix_exp_pade<order>: the (U, V) of the Padé approximant, op for op."""
    b = [convert_to_tensor(np.array(c, x._value.dtype)) for c in _PADE[order]]
    ident = a.eye(x._value.shape[-2], batch_shape=list(x._value.shape[:-2]), dtype=x.dtype)
    x2 = m.matmul(x, x)
    if order == 13:
        x4 = m.matmul(x2, x2)
        x6 = m.matmul(x4, x2)
        tmp_u = m.add(m.add(m.add(m.add(
            m.matmul(x6, m.add(m.add(x6, m.multiply(b[11], x4)), m.multiply(b[9], x2))),
            m.multiply(b[7], x6)), m.multiply(b[5], x4)), m.multiply(b[3], x2)),
            m.multiply(b[1], ident))
        tmp_v = m.add(m.add(m.multiply(b[12], x6), m.multiply(b[10], x4)),
                      m.multiply(b[8], x2))
        v = m.add(m.add(m.add(m.add(m.matmul(x6, tmp_v), m.multiply(b[6], x6)),
                              m.multiply(b[4], x4)), m.multiply(b[2], x2)),
                  m.multiply(b[0], ident))
        return m.matmul(x, tmp_u), v
    powers = [x2]  # x², x⁴, x⁶, x⁸ as far as the order needs
    for _ in range(order // 2 - 1):
        powers.append(m.matmul(powers[-1], x2) if len(powers) > 1 else m.matmul(x2, x2))
    top = order // 2  # the highest power of x² in U's bracket and in V
    tmp = powers[top - 1]
    for k in range(top - 1, 0, -1):
        tmp = m.add(tmp, m.multiply(b[2 * k + 1], powers[k - 1]))
    tmp = m.add(tmp, m.multiply(b[1], ident))
    v = m.multiply(b[2 * top], powers[top - 1])
    for k in range(top - 1, 0, -1):
        v = m.add(v, m.multiply(b[2 * k], powers[k - 1]))
    v = m.add(v, m.multiply(b[0], ident))
    return m.matmul(x, tmp), v


def expm(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """``tf.linalg.expm``: the matrix exponential by scaling and squaring with Padé
    approximants, the orders and thresholds TensorFlow picks per dtype."""
    x = _t(input)
    shape = list(x._value.shape)
    if x._value.ndim < 2 or shape[-1] != shape[-2]:
        raise ValueError(f"tf.linalg.expm needs square matrices; got shape {shape}")
    if shape[-2:] == [0, 0]:
        return x
    dtype = x._value.dtype
    if dtype.kind != "f":
        raise ValueError(f"tf.linalg.expm does not support matrices of type {x.dtype!r}")
    flat = a.reshape(x, [-1] + shape[-2:])
    l1 = a.expand_dims(a.expand_dims(r.reduce_max(r.reduce_sum(m.abs(flat), axis=1),
                                                  axis=-1), -1), -1)

    def const(c: float) -> Tensor:
        return convert_to_tensor(np.array(c, dtype))

    if dtype == np.float64:
        maxnorm, orders = 5.371920351148152, (3, 5, 7, 9, 13)
        conds = (1.495585217958292e-002, 2.539398330063230e-001, 9.504178996162932e-001,
                 2.097847961257068e+000)
    else:
        maxnorm, orders = 3.925724783138660, (3, 5, 7)
        conds = (4.258730016922831e-001, 1.880152677804762e+000)
    squarings = m.maximum(m.floor(m.divide(m.log(m.divide(l1, const(maxnorm))),
                                           m.log(const(2.0)))), 0)
    pairs = [_pade(flat, k) for k in orders[:-1]]
    pairs.append(_pade(m.divide(flat, m.pow(const(2.0), squarings)), orders[-1]))
    u, v = pairs[-1]
    for cond, (u_k, v_k) in zip(reversed(conds), reversed(pairs[:-1])):
        below = m.less(l1, const(cond))
        u, v = m.where(below, u_k, u), m.where(below, v_k, v)
    if not np.isfinite(float(np.max(l1._value))):
        return a.reshape(a.fill(a.shape(flat), const(np.nan)), shape)
    result = solve(m.add(m.negative(u), v), m.add(u, v))
    counts = squarings._value.reshape(-1)
    for i in range(int(counts.max(initial=0))):
        result = m.where(m.less(const(float(i)), squarings), m.matmul(result, result), result)
    return a.reshape(result, shape)


# -- lu --------------------------------------------------------------------------------------------

@defop("Lu", num_outputs=2)
def _lu(x, output_idx_type=np.int32):
    """LU with partial pivoting: L (unit diagonal, below) and U packed in one matrix, and
    the permutation p with x[p] = L · U."""
    work = _lapack(x).astype(np.result_type(_lapack(x), np.float32), copy=True)
    n = x.shape[-1]
    batch = work.reshape((-1, n, n))
    perms = np.tile(np.arange(n), (batch.shape[0], 1))
    for b in range(batch.shape[0]):
        lu, perm = batch[b], perms[b]
        for k in range(n):
            pivot = k + int(np.argmax(np.abs(lu[k:, k])))
            if pivot != k:
                lu[[k, pivot]] = lu[[pivot, k]]
                perm[[k, pivot]] = perm[[pivot, k]]
            if lu[k, k] != 0:
                lu[k + 1:, k] /= lu[k, k]
                lu[k + 1:, k + 1:] -= np.outer(lu[k + 1:, k], lu[k, k + 1:])
    return (batch.reshape(x.shape).astype(x.dtype, copy=False),
            perms.reshape(x.shape[:-1]).astype(output_idx_type))


LU = _lu


@LU.gradient
def _lu_grad(op: OpCall, dlu: Any, dp: Any) -> tuple:
    """None registered in TensorFlow: asking for one is a LookupError."""
    raise LookupError("gradient registry has no entry for: Lu")


def lu(input: Any, output_idx_type: Any = _dt.int32, name: str | None = None) -> Lu:  # noqa: A002
    """``tf.linalg.lu``: (lu, p): L and U of each matrix packed in one, and the row
    permutation (x[p] = L · U)."""
    x = _t(input)
    _require_matrices("Lu", x)
    packed, p = execute(LU, (x,), {"output_idx_type": _dt.as_dtype(output_idx_type)._np})
    return Lu(packed, p)
