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


def _rotate_rows(a: np.ndarray, p: int, q: int, c: float, s: float) -> None:
    """Eigen's applyOnTheLeft(p, q, J(c, s))."""
    x, y = a[p].copy(), a[q].copy()
    a[p] = c * x + s * y
    a[q] = -s * x + c * y


def _rotate_columns(a: np.ndarray, p: int, q: int, c: float, s: float) -> None:
    """Eigen's applyOnTheRight(p, q, J(c, s)) (which applies J's transpose)."""
    x, y = a[:, p].copy(), a[:, q].copy()
    a[:, p] = c * x - s * y
    a[:, q] = s * x + c * y


def _jacobi_2x2(w: np.ndarray, p: int, q: int, tiny: float) -> tuple:
    """Eigen's real_2x2_jacobi_svd: the left and right rotations (c, s) diagonalizing the
    2x2 block of rows/columns p, q."""
    m00, m01, m10, m11 = w[p, p], w[p, q], w[q, p], w[q, q]
    t, d = m00 + m11, m10 - m01
    if abs(d) < tiny:
        c1, s1 = w.dtype.type(1), w.dtype.type(0)
    else:
        u = t / d
        root = np.sqrt(1 + u * u)
        c1, s1 = u / root, 1 / root
    x, y, z = c1 * m00 + s1 * m10, c1 * m01 + s1 * m11, -s1 * m01 + c1 * m11
    if 2 * abs(y) < tiny:  # makeJacobi of the now symmetric block
        cr, sr = w.dtype.type(1), w.dtype.type(0)
    else:
        tau = (x - z) / (2 * abs(y))
        root = np.sqrt(tau * tau + 1)
        tt = 1 / (tau + root) if tau > 0 else 1 / (tau - root)
        n = 1 / np.sqrt(tt * tt + 1)
        sr = -(1 if tt > 0 else -1) * (1 if y > 0 else -1) * abs(tt) * n
        cr = n
    # left = rot1 * right.transpose()
    return (c1 * cr + s1 * sr, -c1 * sr + s1 * cr), (cr, sr)


def jacobi_svd(a: np.ndarray, full_matrices: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(s, u, v) of one matrix as Eigen's JacobiSVD computes them (``a = u diag(s) vᵀ``)."""
    rows, cols = a.shape
    dtype = a.dtype
    size = min(rows, cols)
    finfo = np.finfo(dtype)
    scale = np.max(np.abs(a))
    if not np.isfinite(scale):  # Eigen: InvalidInput; TensorFlow fills the outputs with NaN
        nan = dtype.type(np.nan)
        return (np.full(size, nan), np.full((rows, rows if full_matrices else size), nan),
                np.full((cols, cols if full_matrices else size), nan))
    if scale == 0:
        scale = dtype.type(1)
    x = a / scale
    if rows > cols:
        qr, taus, perm = _householder_qr(x)
        w = np.triu(qr[:cols, :cols])
        u = _householder_q(qr, taus, rows if full_matrices else cols)
        v = _permutation(perm, dtype)
    elif cols > rows:
        qr, taus, perm = _householder_qr(x.T.copy())
        w = np.triu(qr[:rows, :rows]).T.copy()
        v = _householder_q(qr, taus, cols if full_matrices else rows)
        u = _permutation(perm, dtype)
    else:
        w, u, v = x.copy(), np.eye(rows, dtype=dtype), np.eye(cols, dtype=dtype)
    tiny, precision = finfo.tiny, 2 * finfo.eps
    max_diagonal = np.max(np.abs(np.diagonal(w)))
    finished = False
    while not finished:
        finished = True
        threshold = max(tiny, precision * max_diagonal)
        for p in range(1, size):
            for q in range(p):
                if abs(w[p, q]) > threshold or abs(w[q, p]) > threshold:
                    finished = False
                    (cl, sl), (cr, sr) = _jacobi_2x2(w, p, q, tiny)
                    _rotate_rows(w, p, q, cl, sl)
                    _rotate_columns(u, p, q, cl, -sl)  # u · left rotation's transpose
                    _rotate_columns(w, p, q, cr, sr)
                    _rotate_columns(v, p, q, cr, sr)
                    max_diagonal = max(max_diagonal, abs(w[p, p]), abs(w[q, q]))
                    threshold = max(tiny, precision * max_diagonal)
    diagonal = np.diagonal(w).copy()
    s = np.abs(diagonal)
    u[:, :size][:, diagonal < 0] *= -1
    s *= scale
    for i in range(size):  # Eigen's selection sort: ties keep their order
        pos = i + int(np.argmax(s[i:]))
        if s[pos] == 0:
            break
        if pos != i:
            s[[i, pos]] = s[[pos, i]]
            u[:, [i, pos]] = u[:, [pos, i]]
            v[:, [i, pos]] = v[:, [pos, i]]
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
    flat = x.reshape(-1, rows, cols)
    s = np.empty((len(flat), size), x.dtype)
    u = np.empty((len(flat), rows, rows if full_matrices else size), x.dtype)
    v = np.empty((len(flat), cols, cols if full_matrices else size), x.dtype)
    for i, a in enumerate(flat):
        s[i], u[i], v[i] = jacobi_svd(a, full_matrices)
    return (s.reshape(*batch, size), u.reshape(*batch, *u.shape[1:]),
            v.reshape(*batch, *v.shape[1:]))
