"""The SVD TensorFlow's CPU kernel computes, signs of the singular vectors included.

TensorFlow's Svd kernel (tensorflow/core/kernels/linalg/svd_op_impl.h) runs Eigen's
``BDCSVD``, which hands a matrix of fewer than 16 columns to ``JacobiSVD`` with its default
column-pivoting Householder QR preconditioner. Singular vectors are defined up to sign, and
LAPACK (numpy) picks other signs than that algorithm, so ``tf.linalg.svd`` printed other
vectors than TensorFlow's. For those matrices the engine runs the same algorithm in the
input's dtype (its convergence test depends on the dtype's epsilon): R-SVD by QR with
column pivoting when the matrix is not square, two-sided Jacobi sweeps of 2x2 SVDs, then
U's columns turned so the singular values are positive and both sorted descending. The
signs follow from the order of rotations, not from last-bit rounding, so they agree with
TensorFlow's. Wider matrices (16 columns or more) go through BDCSVD's divide and conquer,
which this does not reproduce: numpy's LAPACK answers them (same values, other signs).
"""

from __future__ import annotations

import numpy as np

# BDCSVD's default algoswap: below it, JacobiSVD does the work
JACOBI_MAX_COLUMNS = 15


def _householder_qr(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Eigen's ColPivHouseholderQR of a tall ``x``: the compact QR (R above the diagonal,
    the Householder vectors' tails below), the Householder coefficients, and the column
    permutation (``x[:, perm] = Q R``)."""
    rows, cols = x.shape
    qr = x.copy()
    tiny = np.finfo(qr.dtype).tiny
    taus = np.zeros(cols, qr.dtype)
    norms = np.sqrt(np.einsum("ij,ij->j", qr, qr))
    direct = norms.copy()
    downdate_threshold = np.sqrt(np.finfo(qr.dtype).eps)
    perm = np.arange(cols)
    for k in range(cols):
        biggest = k + int(np.argmax(norms[k:]))  # the first of equal norms, as maxCoeff
        if biggest != k:
            qr[:, [k, biggest]] = qr[:, [biggest, k]]
            norms[[k, biggest]] = norms[[biggest, k]]
            direct[[k, biggest]] = direct[[biggest, k]]
            perm[[k, biggest]] = perm[[biggest, k]]
        c0 = qr[k, k]
        tail = qr[k + 1:, k]
        tail_norm2 = tail @ tail
        if tail_norm2 <= tiny:
            tau, beta = qr.dtype.type(0), c0
            tail[:] = 0
        else:
            beta = np.sqrt(c0 * c0 + tail_norm2)
            if c0 >= 0:
                beta = -beta
            tail /= c0 - beta
            tau = (beta - c0) / beta
        qr[k, k] = beta
        taus[k] = tau
        if tau != 0 and k + 1 < cols:
            rest = qr[k:, k + 1:]
            tmp = tail @ rest[1:] + rest[0]
            rest[0] -= tau * tmp
            rest[1:] -= tau * np.outer(tail, tmp)
        for j in range(k + 1, cols):  # LAPACK's stable norm downdate (xGEQP3), as Eigen
            if norms[j] != 0:
                t = abs(qr[k, j]) / norms[j]
                t = max((1 + t) * (1 - t), 0)
                if t * (norms[j] / direct[j]) ** 2 <= downdate_threshold:
                    direct[j] = norms[j] = np.sqrt(qr[k + 1:, j] @ qr[k + 1:, j])
                else:
                    norms[j] *= np.sqrt(t)
    return qr, taus, perm


def _householder_q(qr: np.ndarray, taus: np.ndarray, columns: int) -> np.ndarray:
    """The first ``columns`` columns of Q = H₀ H₁ … from the compact QR."""
    rows = qr.shape[0]
    q = np.eye(rows, columns, dtype=qr.dtype)
    for k in reversed(range(len(taus))):
        if taus[k] != 0:
            v = np.concatenate(([1], qr[k + 1:, k])).astype(qr.dtype, copy=False)
            q[k:] -= taus[k] * np.outer(v, v @ q[k:])
    return q


def _permutation(perm: np.ndarray, dtype: np.dtype) -> np.ndarray:
    p = np.zeros((len(perm), len(perm)), dtype)
    p[perm, np.arange(len(perm))] = 1
    return p


def _precondition(x: np.ndarray, full_matrices: bool) -> tuple:
    """JacobiSVD's R-SVD step for one scaled matrix: the square work matrix and the U, V
    the rotations start from (Householder Q on the longer side, the pivoting's
    permutation on the other; identities for a square matrix)."""
    rows, cols = x.shape
    if rows > cols:
        qr, taus, perm = _householder_qr(x)
        return (np.triu(qr[:cols, :cols]), _householder_q(qr, taus, rows if full_matrices
                                                            else cols),
                _permutation(perm, x.dtype))
    if cols > rows:
        qr, taus, perm = _householder_qr(x.T.copy())
        return (np.triu(qr[:rows, :rows]).T, _permutation(perm, x.dtype),
                _householder_q(qr, taus, cols if full_matrices else rows))
    return x.copy(), np.eye(rows, dtype=x.dtype), np.eye(cols, dtype=x.dtype)


def _jacobi_2x2(m00: np.ndarray, m01: np.ndarray, m10: np.ndarray, m11: np.ndarray,
                tiny: float) -> tuple:
    """Eigen's real_2x2_jacobi_svd, for a stack of 2x2 blocks: the left and right
    rotations (c, s) that diagonalize each."""
    t, d = m00 + m11, m10 - m01
    flat = np.abs(d) < tiny  # (both sides of each np.where are computed: no warnings)
    u = t / np.where(flat, 1, d)
    root = np.sqrt(1 + u * u)
    c1, s1 = np.where(flat, 1, u / root), np.where(flat, 0, 1 / root)
    x, y, z = c1 * m00 + s1 * m10, c1 * m01 + s1 * m11, -s1 * m01 + c1 * m11
    # makeJacobi of the now symmetric block [[x, y], [y, z]]
    diagonal = 2 * np.abs(y) < tiny
    tau = (x - z) / np.where(diagonal, 1, 2 * np.abs(y))
    root = np.sqrt(tau * tau + 1)
    tt = np.where(tau > 0, 1 / (tau + root), 1 / (tau - root))
    n = 1 / np.sqrt(tt * tt + 1)
    magnitude = np.abs(tt) * n  # s = -sign(t)·sign(y)·|t|·n, in the dtype
    sr = np.where(diagonal, 0, np.where((tt > 0) == (y > 0), -magnitude, magnitude))
    cr = np.where(diagonal, 1, n)
    # left = rot1 · right's transpose
    return c1 * cr + s1 * sr, -c1 * sr + s1 * cr, cr, sr


def _jacobi_2x2_scalar(w: np.ndarray, p: int, q: int, tiny: float) -> tuple:
    """``_jacobi_2x2`` of one block, on numpy scalars (the same operations, ~10x faster
    than on arrays of one element)."""
    m00, m01, m10, m11 = w[p, p], w[p, q], w[q, p], w[q, q]
    t, d = m00 + m11, m10 - m01
    if abs(d) < tiny:
        c1, s1 = w.dtype.type(1), w.dtype.type(0)
    else:
        u = t / d
        root = np.sqrt(1 + u * u)
        c1, s1 = u / root, 1 / root
    x, y, z = c1 * m00 + s1 * m10, c1 * m01 + s1 * m11, -s1 * m01 + c1 * m11
    if 2 * abs(y) < tiny:
        cr, sr = w.dtype.type(1), w.dtype.type(0)
    else:
        tau = (x - z) / (2 * abs(y))
        root = np.sqrt(tau * tau + 1)
        tt = 1 / (tau + root) if tau > 0 else 1 / (tau - root)
        n = 1 / np.sqrt(tt * tt + 1)
        sr = -(1 if tt > 0 else -1) * (1 if y > 0 else -1) * abs(tt) * n
        cr = n
    return c1 * cr + s1 * sr, -c1 * sr + s1 * cr, cr, sr


def _sweep_one(w: np.ndarray, u: np.ndarray, v: np.ndarray) -> None:
    """``_sweep_until_diagonal`` of a single matrix, in plain loops (a batch of one pays
    more for the stacked version's indexing than it saves)."""
    finfo = np.finfo(w.dtype)
    tiny, precision = finfo.tiny, 2 * finfo.eps
    max_diagonal = np.max(np.abs(np.diagonal(w)))
    threshold = max(tiny, precision * max_diagonal)
    finished = False
    while not finished:
        finished = True
        for p in range(1, w.shape[0]):
            for q in range(p):
                if abs(w[p, q]) > threshold or abs(w[q, p]) > threshold:
                    finished = False
                    cl, sl, cr, sr = _jacobi_2x2_scalar(w, p, q, tiny)
                    for a, first, second, c, s in ((w, p, q, cl, sl),
                                                   (u.T, p, q, cl, sl),
                                                   (w.T, p, q, cr, -sr),
                                                   (v.T, p, q, cr, -sr)):
                        x, y = a[first].copy(), a[second].copy()
                        a[first], a[second] = c * x + s * y, -s * x + c * y
                    max_diagonal = max(max_diagonal, abs(w[p, p]), abs(w[q, q]))
                    threshold = max(tiny, precision * max_diagonal)


def _rotate(a: np.ndarray, first: tuple, second: tuple, c: np.ndarray, s: np.ndarray) -> None:
    """first, second = c·first + s·second, -s·first + c·second (Eigen's
    apply_rotation_in_the_plane) on the rows or columns the index tuples pick."""
    x, y = a[first], a[second]
    c, s = c[:, None], s[:, None]
    a[first], a[second] = c * x + s * y, -s * x + c * y


def _sweep_until_diagonal(w: np.ndarray, u: np.ndarray, v: np.ndarray) -> None:
    """JacobiSVD's two-sided sweeps over a stack of square work matrices, each matrix as
    Eigen runs it alone (a rotation only where that matrix's block is off its threshold)."""
    finfo = np.finfo(w.dtype)
    tiny, precision = finfo.tiny, 2 * finfo.eps
    size = w.shape[-1]
    max_diagonal = np.max(np.abs(np.diagonal(w, axis1=1, axis2=2)), axis=1)
    threshold = np.maximum(tiny, precision * max_diagonal)
    finished = False
    while not finished:
        finished = True
        for p in range(1, size):
            for q in range(p):
                due = np.flatnonzero((np.abs(w[:, p, q]) > threshold)
                                     | (np.abs(w[:, q, p]) > threshold))
                if not len(due):
                    continue
                finished = False
                cl, sl, cr, sr = _jacobi_2x2(w[due, p, p], w[due, p, q], w[due, q, p],
                                             w[due, q, q], tiny)
                _rotate(w, (due, p), (due, q), cl, sl)  # rows: the left rotation
                _rotate(u, (due, slice(None), p), (due, slice(None), q), cl, sl)
                _rotate(w, (due, slice(None), p), (due, slice(None), q), cr, -sr)
                _rotate(v, (due, slice(None), p), (due, slice(None), q), cr, -sr)
                max_diagonal[due] = np.maximum(max_diagonal[due], np.maximum(
                    np.abs(w[due, p, p]), np.abs(w[due, q, q])))
                threshold[due] = np.maximum(tiny, precision * max_diagonal[due])


def jacobi_svd(a: np.ndarray, full_matrices: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(s, u, v) of a stack of matrices (n, rows, cols) as Eigen's JacobiSVD computes each
    (``a = u diag(s) vᵀ``)."""
    count, rows, cols = a.shape
    dtype = a.dtype
    size = min(rows, cols)
    scale = np.max(np.abs(a), axis=(1, 2))
    bad = ~np.isfinite(scale)  # Eigen: InvalidInput; TensorFlow fills the outputs with NaN
    scale[bad | (scale == 0)] = 1
    x = a / scale[:, None, None]
    x[bad] = 0
    parts = [_precondition(m, full_matrices) for m in x]
    w, u, v = (np.stack([part[i] for part in parts]) for i in range(3))
    with np.errstate(all="ignore"):  # (the branches np.where does not pick)
        if count == 1:
            _sweep_one(w[0], u[0], v[0])
        else:
            _sweep_until_diagonal(w, u, v)
    diagonal = np.diagonal(w, axis1=1, axis2=2)
    s = np.abs(diagonal) * scale[:, None]
    u[:, :, :size] *= np.where(diagonal < 0, -1, 1).astype(dtype)[:, None, :]
    active = np.ones(count, bool)  # Eigen's selection sort: ties keep their order, and it
    every = np.arange(count)      # stops at the first zero
    for i in range(size - 1):
        pos = i + np.argmax(s[:, i:], axis=1)
        active &= s[every, pos] != 0
        swap = np.flatnonzero(active & (pos != i))
        if len(swap):
            j = pos[swap]
            s[swap, i], s[swap, j] = s[swap, j], s[swap, i]
            u[swap, :, i], u[swap, :, j] = u[swap, :, j], u[swap, :, i].copy()
            v[swap, :, i], v[swap, :, j] = v[swap, :, j], v[swap, :, i].copy()
    s[bad], u[bad], v[bad] = np.nan, np.nan, np.nan
    return s, u, v


def eigen_svd(x: np.ndarray, full_matrices: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(s, u, v) of each matrix of a batch, or None when the matrices are not ones
    TensorFlow hands to JacobiSVD (16+ columns, empty, or not float32/float64)."""
    rows, cols = x.shape[-2:]
    if (cols > JACOBI_MAX_COLUMNS or rows == 0 or cols == 0
            or x.dtype not in (np.float32, np.float64)):
        return None
    size = min(rows, cols)
    batch = x.shape[:-2]
    s, u, v = jacobi_svd(x.reshape(-1, rows, cols), full_matrices)
    return (s.reshape(*batch, size), u.reshape(*batch, *u.shape[1:]),
            v.reshape(*batch, *v.shape[1:]))
