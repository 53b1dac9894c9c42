"""Matrix ops (``tf.linalg``): forward on numpy's LAPACK, gradients written with engine ops.

The gradient rules follow TensorFlow's ``linalg_grad.py``; where TensorFlow solves a
triangular system, these multiply by the registered inverse instead (same value, and the
backward pass stays made of ops the tape and the debugger know).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import errors
from engine.ops import array_ops, linalg_svd, math_ops
from engine.ops._args import kernel_dtype_name
from engine.ops.op_defs import attr_names, attr_not_allowed, no_kernel
from engine.ops.registry import defop, execute
from engine.tensor import Tensor, convert_to_tensor

# Dtypes each op's Python signature admits (TensorFlow's attr list, complex aside) and the
# ones it has a CPU kernel for: float16 passes the first check and fails the second.
_ALLOWED = "double, float, half, complex64, complex128"
_HALF_KERNELS = frozenset({"MatrixInverse", "Qr"})


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def _dims(shape: tuple) -> str:
    return "[" + ",".join(map(str, shape)) + "]"


def _require_matrices(op_name: str, *xs: Tensor, square: bool = True) -> None:
    """TensorFlow's checks, in its order: an admitted dtype, a kernel for it, rank >= 2,
    square matrices."""
    for i, x in enumerate(xs):
        v = x._value
        if v.dtype.kind != "f":
            raise attr_not_allowed(op_name, "T", kernel_dtype_name(v.dtype),
                                   fallback=f": {_ALLOWED}")
        if v.dtype == np.float16 and op_name not in _HALF_KERNELS:
            if attr_names(op_name) == ["T"]:  # the node is known whole: TF's full text
                raise no_kernel(op_name, {"T": "DT_HALF"})
            raise errors.NotFoundError(
                None, op_name, f"Could not find device for node: {{{{node {op_name}}}}} = "
                f"{op_name}[T=DT_HALF] [Op:{op_name}]")
        if v.ndim < 2:
            raise errors.InvalidArgumentError(
                None, op_name, f"Input tensor {i} must have rank >= 2, got {v.ndim} "
                f"[Op:{op_name}]")
        if square and i == 0 and v.shape[-1] != v.shape[-2]:
            raise errors.InvalidArgumentError(
                None, op_name, f"Input matrix must be square. [Op:{op_name}]")


def _lapack(x: np.ndarray) -> np.ndarray:
    """LAPACK has no float16: half matrices are factored in float32 (results cast back)."""
    return x.astype(np.float32) if x.dtype == np.float16 else x


def _adjoint(x: Tensor) -> Tensor:
    perm = list(range(x._value.ndim))
    perm[-1], perm[-2] = perm[-2], perm[-1]
    return array_ops.transpose(x, perm)


# -- inverse, determinant, solve ---------------------------------------------------------

@defop("MatrixInverse")
def _inverse(x, adjoint=False):
    """The inverse of each matrix (of its adjoint with ``adjoint``)."""
    try:
        inv = np.linalg.inv(_lapack(x)).astype(x.dtype, copy=False)
    except np.linalg.LinAlgError:
        raise ValueError("Input is not invertible.") from None
    return np.swapaxes(inv, -1, -2) if adjoint else inv


MATRIX_INVERSE = _inverse


@MATRIX_INVERSE.gradient
def _(op, dy):
    """For Y = A⁻¹: dA = -Yᴴ dy Yᴴ; for Y = A⁻ᴴ (``adjoint``): dA = -Y dyᴴ Y."""
    y = op.outputs[0]
    adjoint = op.attrs.get("adjoint", False)
    return (math_ops.negative(math_ops.matmul(
        y, math_ops.matmul(dy, y, transpose_a=adjoint, transpose_b=not adjoint),
        transpose_a=not adjoint)),)


@defop("MatrixDeterminant")
def _determinant(x):
    """The determinant of each matrix (LU with partial pivoting)."""
    return np.asarray(np.linalg.det(x), dtype=x.dtype)


MATRIX_DETERMINANT = _determinant


@MATRIX_DETERMINANT.gradient
def _(op, dy):
    """d det(A) = dy · det(A) · A⁻ᵀ."""
    (a,), (det,) = op.inputs, op.outputs
    scale = array_ops.expand_dims(array_ops.expand_dims(math_ops.multiply(dy, det), -1), -1)
    return (math_ops.multiply(scale, inv(a, adjoint=True)),)


def _check_solve(matrix: Tensor, rhs: Tensor, adjoint: bool = False) -> None:
    _require_matrices("MatrixSolve", matrix, rhs)
    if matrix._value.dtype != rhs._value.dtype:
        raise errors.InvalidArgumentError(
            None, "MatrixSolve", f"cannot compute MatrixSolve as input #1(zero-based) was "
            f"expected to be a {kernel_dtype_name(matrix._value.dtype)} tensor but is a "
            f"{kernel_dtype_name(rhs._value.dtype)} tensor [Op:MatrixSolve]")
    m, r = matrix._value.shape, rhs._value.shape
    if m[:-2] != r[:-2] or m[-1] != r[-2]:
        raise errors.InvalidArgumentError(
            None, "MatrixSolve", f"Input matrix and right-hand side must have the same number "
            f"of rows: {_dims(m)} vs. {_dims(r)} [Op:MatrixSolve]")


@defop("MatrixSolve", check=_check_solve)
def _solve(matrix, rhs, adjoint=False):
    """X with matrix · X = rhs (matrixᴴ · X = rhs with ``adjoint``)."""
    if adjoint:
        matrix = np.swapaxes(matrix, -1, -2)
    try:
        return np.linalg.solve(matrix, rhs)
    except np.linalg.LinAlgError:
        raise ValueError("Input matrix is not invertible.") from None


MATRIX_SOLVE = _solve


@MATRIX_SOLVE.gradient
def _(op, dy):
    """For X = A⁻¹B: dB = A⁻ᴴ dy, dA = -dB Xᴴ (mirrored with ``adjoint``)."""
    (a, _), (x,) = op.inputs, op.outputs
    adjoint = op.attrs.get("adjoint", False)
    grad_b = solve(a, dy, adjoint=not adjoint)
    grad_a = (math_ops.matmul(x, grad_b, transpose_b=True) if adjoint
              else math_ops.matmul(grad_b, x, transpose_b=True))
    return math_ops.negative(grad_a), grad_b


# -- Cholesky ----------------------------------------------------------------------------

@defop("Cholesky")
def _cholesky(x):
    """Lower-triangular L with L Lᴴ = x, read from x's lower triangle. A matrix that is not
    positive definite gives NaN below and on the diagonal, as TensorFlow 2.21's CPU kernel
    (which no longer raises)."""
    try:
        return np.linalg.cholesky(x)
    except np.linalg.LinAlgError:
        pass
    out = np.zeros_like(x)
    flat_in, flat_out = x.reshape((-1,) + x.shape[-2:]), out.reshape((-1,) + x.shape[-2:])
    for m, target in zip(flat_in, flat_out):
        try:
            target[...] = np.linalg.cholesky(m)
        except np.linalg.LinAlgError:
            target[np.tril_indices(m.shape[-1])] = np.nan
    return out


CHOLESKY = _cholesky


@CHOLESKY.gradient
def _(op, dy):
    """TensorFlow's CholeskyGrad: Φ(Lᴴ dy) sandwiched by L⁻¹, then symmetrized, where Φ
    keeps the lower triangle and halves the diagonal."""
    (lower,) = op.outputs
    l_inv = inv(lower)
    middle = math_ops.matmul(lower, dy, transpose_a=True)
    middle = math_ops.subtract(middle, diag(math_ops.multiply(diag_part(middle), 0.5)))
    middle = band_part(middle, -1, 0)
    grad = math_ops.matmul(math_ops.matmul(l_inv, middle, transpose_a=True), l_inv)
    return (math_ops.multiply(math_ops.add(grad, _adjoint(grad)), 0.5),)


# -- diagonals and bands ------------------------------------------------------------------

def _diagonal_indices(length: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of diagonal ``k`` (above the main one when positive)."""
    i = np.arange(length)
    return (i, i + k) if k >= 0 else (i - k, i)


@defop("MatrixDiagV3")
def _matrix_diag(diagonal, num_rows, num_cols, k=0, padding_value=0):
    """Matrices (num_rows × num_cols) with ``diagonal`` on diagonal k."""
    out = np.full(diagonal.shape[:-1] + (num_rows, num_cols), padding_value,
                  dtype=diagonal.dtype)
    rows, cols = _diagonal_indices(diagonal.shape[-1], k)
    out[..., rows, cols] = diagonal
    return out


MATRIX_DIAG = _matrix_diag


@MATRIX_DIAG.gradient
def _(op, dy):
    """The gradient's diagonal k."""
    return (diag_part(dy, k=op.attrs.get("k", 0)),)


@defop("MatrixDiagPartV3")
def _matrix_diag_part(x, k=0):
    """Diagonal k of each matrix."""
    return np.diagonal(x, offset=k, axis1=-2, axis2=-1).copy()


MATRIX_DIAG_PART = _matrix_diag_part


@MATRIX_DIAG_PART.gradient
def _(op, dy):
    """The gradient placed on diagonal k of zero matrices shaped like the input."""
    rows, cols = op.inputs[0]._value.shape[-2:]
    attrs = {"num_rows": rows, "num_cols": cols, "k": op.attrs.get("k", 0)}
    return (execute(MATRIX_DIAG, (dy,), attrs),)


@defop("MatrixBandPart")
def _band_part(x, num_lower, num_upper):
    """Entries within num_lower below / num_upper above the diagonal (negative: all)."""
    rows, cols = x.shape[-2:]
    i, j = np.arange(rows)[:, None], np.arange(cols)[None, :]
    keep = ((num_lower < 0) | (i - j <= num_lower)) & ((num_upper < 0) | (j - i <= num_upper))
    return np.where(keep, x, np.zeros((), x.dtype))


MATRIX_BAND_PART = _band_part


@MATRIX_BAND_PART.gradient
def _(op, dy):
    """The same band of the gradient."""
    return (execute(MATRIX_BAND_PART, (dy,), op.attrs),)


# -- decompositions ------------------------------------------------------------------------

@defop("Qr", num_outputs=2)
def _qr(x, full_matrices=False):
    """Householder QR (LAPACK's, like Eigen's: R's diagonal may be negative)."""
    q, r = np.linalg.qr(_lapack(x), mode="complete" if full_matrices else "reduced")
    return q.astype(x.dtype, copy=False), r.astype(x.dtype, copy=False)


QR = _qr


def _times_r_inverse_adjoint(x: Tensor, r: Tensor) -> Tensor:
    """x · R⁻ᴴ (TensorFlow solves the triangular system; the inverse gives the same)."""
    return math_ops.matmul(x, inv(r), transpose_b=True)


def _qr_grad_deep(q: Tensor, r: Tensor, dq: Tensor, dr: Tensor) -> Tensor:
    """TensorFlow's QrGrad for rows >= columns (arXiv:1710.08717, eq. 42)."""
    qdq = math_ops.matmul(q, dq, transpose_a=True)
    qdq_ = math_ops.subtract(qdq, _adjoint(qdq))
    rdr = math_ops.matmul(r, dr, transpose_b=True)
    rdr_ = math_ops.subtract(rdr, _adjoint(rdr))
    tril = band_part(math_ops.add(qdq_, rdr_), -1, 0)
    grad_a = math_ops.matmul(q, math_ops.add(dr, _times_r_inverse_adjoint(tril, r)))
    grad_b = _times_r_inverse_adjoint(math_ops.subtract(dq, math_ops.matmul(q, qdq)), r)
    return math_ops.add(grad_a, grad_b)


@QR.gradient
def _(op, dq, dr):
    """TensorFlow's QrGrad; wide matrices are split into a square part and the rest."""
    (a,), (q, r) = op.inputs, op.outputs
    dq = math_ops.zeros_like(q) if dq is None else dq
    dr = math_ops.zeros_like(r) if dr is None else dr
    rows, cols = a._value.shape[-2:]
    if op.attrs.get("full_matrices", False) and rows > cols:
        raise NotImplementedError("QrGrad not implemented when nrows > ncols and "
                                  "full_matrices is true.")
    if rows >= cols:
        return (_qr_grad_deep(q, r, dq, dr),)
    y, u = a[..., :, rows:], r[..., :, :rows]
    dv, du = dr[..., :, rows:], dr[..., :, :rows]
    dy = math_ops.matmul(q, dv)
    dx = _qr_grad_deep(q, u, math_ops.add(dq, math_ops.matmul(y, dv, transpose_b=True)), du)
    return (array_ops.concat([dx, dy], axis=-1),)


@defop("Svd", num_outputs=3)
def _svd(x, compute_uv=True, full_matrices=False):
    """Singular values (descending) and, with ``compute_uv``, U and V (not Vᴴ): TensorFlow's
    own (Eigen's JacobiSVD, signs included) for matrices of up to 15 columns."""
    eigen = linalg_svd.eigen_svd(np.asarray(x), full_matrices)
    if eigen is not None:
        s, u, v = eigen
        if not compute_uv:
            empty = np.zeros((0,), x.dtype)
            return s, empty, empty
        return s, u, v
    if not compute_uv:
        s = np.linalg.svd(x, compute_uv=False)
        empty = np.zeros((0,), x.dtype)
        return s.astype(x.dtype, copy=False), empty, empty
    u, s, vh = np.linalg.svd(x, full_matrices=full_matrices)
    return (s.astype(x.dtype, copy=False), u.astype(x.dtype, copy=False),
            np.swapaxes(vh, -1, -2).astype(x.dtype, copy=False))


SVD = _svd


def _safe_reciprocal(x: Tensor, epsilon: float = 1e-20) -> Tensor:
    """x / (x² + ε): 1/x, but 0 where x is 0 (equal singular values)."""
    return math_ops.multiply(x, math_ops.reciprocal(
        math_ops.add(math_ops.multiply(x, x), epsilon)))


@SVD.gradient
def _(op, ds, du, dv):
    """TensorFlow's SvdGrad (real dtypes): through s alone, U diag(ds) Vᴴ; through U and V
    the terms of Townsend's "Differentiating the SVD", worked on the wide orientation
    (a tall matrix is handled as its transpose). With ``full_matrices`` TensorFlow, too,
    only differentiates when the sides differ by at most one."""
    (a,) = op.inputs
    if not op.attrs.get("compute_uv", True):
        _, u, v = svd(a, compute_uv=True, full_matrices=False)
        return (math_ops.matmul(math_ops.matmul(u, diag(ds)), v, transpose_b=True),)
    s, u, v = op.outputs
    m, n = a._value.shape[-2:]
    tall = m > n
    if tall:
        m, n, u, v, du, dv = n, m, v, u, dv, du
    if op.attrs.get("full_matrices", False) and abs(m - n) > 1:
        raise NotImplementedError("svd gradient is not implemented for abs(m - n) > 1 when "
                                  f"full_matrices is True. Received: m={m} and n={n}.")
    s_mat = diag(s)
    s2 = math_ops.square(s)
    f = _safe_reciprocal(math_ops.subtract(array_ops.expand_dims(s2, -2),
                                           array_ops.expand_dims(s2, -1)))
    v1, dv1 = v[..., :, :m], dv[..., :, :m]
    f_u = math_ops.multiply(f, math_ops.matmul(u, du, transpose_a=True))
    f_v = math_ops.multiply(f, math_ops.matmul(v1, dv1, transpose_a=True))
    inner = math_ops.add_n([diag(ds), math_ops.matmul(math_ops.add(f_u, _adjoint(f_u)), s_mat),
                            math_ops.matmul(s_mat, math_ops.add(f_v, _adjoint(f_v)))])
    grad = math_ops.matmul(u, math_ops.matmul(inner, v1, transpose_b=True))
    if m != n:
        dv1t = _adjoint(dv1)
        rest = math_ops.subtract(dv1t, math_ops.matmul(math_ops.matmul(dv1t, v1), v1,
                                                       transpose_b=True))
        if op.attrs.get("full_matrices", False):
            v2, dv2 = v[..., :, m:n], dv[..., :, m:n]
            rest = math_ops.subtract(rest, math_ops.matmul(
                math_ops.matmul(v1, dv2, transpose_a=True), v2, transpose_b=True))
        u_s_inv = math_ops.matmul(u, diag(_safe_reciprocal(s)))
        grad = math_ops.add(grad, math_ops.matmul(u_s_inv, rest))
    return (_adjoint(grad) if tall else grad,)


# -- public functions (tf.linalg.*) ---------------------------------------------------------

def inv(input: Any, adjoint: bool = False, name: str | None = None) -> Tensor:  # noqa: A002
    """``tf.linalg.inv``: each matrix's inverse; a singular one is an InvalidArgumentError."""
    x = _t(input)
    _require_matrices("MatrixInverse", x)
    return execute(MATRIX_INVERSE, (x,), {"adjoint": bool(adjoint)} if adjoint else {})


def det(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """``tf.linalg.det``: each matrix's determinant (batch shape kept)."""
    x = _t(input)
    _require_matrices("MatrixDeterminant", x)
    return execute(MATRIX_DETERMINANT, (x,))


def solve(matrix: Any, rhs: Any, adjoint: bool = False, name: str | None = None) -> Tensor:
    """``tf.linalg.solve``: X with matrix · X = rhs, batch shapes equal."""
    return execute(MATRIX_SOLVE, (_t(matrix), _t(rhs)),
                   {"adjoint": bool(adjoint)} if adjoint else {})


def cholesky(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """``tf.linalg.cholesky``: lower-triangular factor; not positive definite raises."""
    x = _t(input)
    _require_matrices("Cholesky", x)
    return execute(CHOLESKY, (x,))


def _single_diagonal(k: Any, api: str) -> int:
    k = k._value.tolist() if isinstance(k, Tensor) else k
    if isinstance(k, list | tuple):
        if len(k) == 2 and k[0] == k[1]:
            return int(k[0])
        raise NotImplementedError(f"{api} with a band of diagonals (k = {k}) is not "
                                  "implemented in Tapescope; one diagonal k is.")
    return int(k)


def diag(diagonal: Any, name: str = "diag", k: Any = 0, num_rows: int = -1,
         num_cols: int = -1, padding_value: Any = 0, align: str = "RIGHT_LEFT") -> Tensor:
    """``tf.linalg.diag``: matrices with ``diagonal`` on diagonal k; the matrix is the
    smallest square that holds it unless num_rows/num_cols say otherwise."""
    d = _t(diagonal)
    k = _single_diagonal(k, "tf.linalg.diag")
    if d._value.ndim < 1:
        raise errors.InvalidArgumentError(
            None, "MatrixDiagV3", "diagonal must be at least 1-dim, received shape: [] "
            "[Op:MatrixDiagV3]")
    n = d._value.shape[-1]
    min_rows, min_cols = n + max(-k, 0), n + max(k, 0)
    rows, cols = int(num_rows), int(num_cols)
    if rows == -1 and cols == -1:
        rows = cols = max(min_rows, min_cols)
    rows, cols = (min_rows if rows == -1 else rows), (min_cols if cols == -1 else cols)
    if rows < min_rows or cols < min_cols or (rows != min_rows and cols != min_cols):
        raise errors.InvalidArgumentError(
            None, "MatrixDiagV3", "The number of rows or columns is not consistent with the "
            "specified d_lower, d_upper, and diagonal. [Op:MatrixDiagV3]")
    attrs: dict[str, Any] = {"num_rows": rows, "num_cols": cols}
    if k:
        attrs["k"] = k
    if padding_value != 0:
        attrs["padding_value"] = padding_value
    return execute(MATRIX_DIAG, (d,), attrs)


def diag_part(input: Any, name: str = "diag_part", k: Any = 0,  # noqa: A002
              padding_value: Any = 0, align: str = "RIGHT_LEFT") -> Tensor:
    """``tf.linalg.diag_part``: diagonal k of each matrix."""
    x = _t(input)
    k = _single_diagonal(k, "tf.linalg.diag_part")
    if x._value.ndim < 2:
        raise errors.InvalidArgumentError(
            None, "MatrixDiagPartV3", f"input must be at least 2-dim, received shape: "
            f"{_dims(x._value.shape)} [Op:MatrixDiagPartV3]")
    rows, cols = x._value.shape[-2:]
    if k != 0 and not -rows < k < cols:
        raise errors.InvalidArgumentError(
            None, "MatrixDiagPartV3", f"lower_diag_index is out of bound: {k}. It must be "
            f"between {-rows} and {cols} [Op:MatrixDiagPartV3]")
    return execute(MATRIX_DIAG_PART, (x,), {"k": k} if k else {})


def band_part(input: Any, num_lower: Any, num_upper: Any,  # noqa: A002
              name: str | None = None) -> Tensor:
    """``tf.linalg.band_part``: zero everything outside a band (-1 keeps a whole side)."""
    x = _t(input)
    lower, upper = (int(v._value) if isinstance(v, Tensor) else int(v)
                    for v in (num_lower, num_upper))
    if x._value.ndim < 2:
        raise errors.InvalidArgumentError(
            None, "MatrixBandPart", f"input must be at least 2-dim, received shape: "
            f"{_dims(x._value.shape)} [Op:MatrixBandPart]")
    rows, cols = x._value.shape[-2:]
    if lower > rows:
        raise errors.InvalidArgumentError(
            None, "MatrixBandPart", f"num_lower must be negative or less or equal to number "
            f"of rows ({rows}) got: {lower} [Op:MatrixBandPart]")
    if upper > cols:
        raise errors.InvalidArgumentError(
            None, "MatrixBandPart", f"num_upper must be negative or less or equal to number "
            f"of columns ({cols}) got: {upper} [Op:MatrixBandPart]")
    return execute(MATRIX_BAND_PART, (x,), {"num_lower": lower, "num_upper": upper})


def qr(input: Any, full_matrices: bool = False, name: str | None = None  # noqa: A002
       ) -> tuple[Tensor, Tensor]:
    """``tf.linalg.qr``: (q, r), reduced unless ``full_matrices``."""
    x = _t(input)
    _require_matrices("Qr", x, square=False)
    q, r = execute(QR, (x,), {"full_matrices": bool(full_matrices)})
    return q, r


def svd(tensor: Any, full_matrices: bool = False, compute_uv: bool = True,
        name: str | None = None) -> Any:
    """``tf.linalg.svd``: ``(s, u, v)`` — in that order, and v itself, not vᴴ — or only s
    without ``compute_uv``. Singular vectors have TensorFlow's signs up to 15 columns (the
    algorithm its kernel runs there, engine/ops/linalg_svd.py), LAPACK's beyond."""
    x = _t(tensor)
    _require_matrices("Svd", x, square=False)
    s, u, v = execute(SVD, (x,), {"compute_uv": bool(compute_uv),
                                  "full_matrices": bool(full_matrices)})
    return (s, u, v) if compute_uv else s
