"""``ImageProjectiveTransformV3``: resample images through a projective map, as TensorFlow's
kernel does (the op under Keras 3's RandomRotation, RandomZoom and ``affine_transform``).

Each output pixel (x, y) of image b reads the input at
``((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)``, ``k = c0 x + c1 y + 1``, with the
8 numbers of ``transforms[b]`` (one row for all images when there is one). Coordinates
outside the image are folded back by ``fill_mode`` (reflect, wrap, nearest) or read as
``fill_value`` (constant); values between pixels are bilinear or nearest. All in float32,
in the kernel's order of operations.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import errors
from engine.ops import array_ops, linalg_ops, math_ops
from engine.ops.registry import OpCall, defop, execute
from engine.tensor import Tensor, convert_to_tensor

FILL_MODES = ("REFLECT", "WRAP", "CONSTANT", "NEAREST")
INTERPOLATIONS = ("NEAREST", "BILINEAR")


def _map_coordinate(coord: np.ndarray, size: int, mode: str) -> np.ndarray:
    """TensorFlow's MapCoordinate: fold a float32 input coordinate into [0, size - 1]."""
    c = coord.astype(np.float32)
    last = np.float32(size - 1)
    if mode == "CONSTANT":
        return c
    if mode == "NEAREST" or size <= 1:
        return np.clip(c if size > 1 else np.zeros_like(c), np.float32(0), last)
    if mode == "REFLECT":  # [abcd] → [dcba|abcd|dcba]
        sz2 = 2 * size
        low = c < 0
        cl = np.where(low & (c < sz2), sz2 * np.trunc(-c / sz2).astype(np.float32) + c, c)
        cl = np.where(cl < -size, cl + sz2, -cl - 1)
        high = c > last
        ch = c - sz2 * np.trunc(c / sz2).astype(np.float32)
        ch = np.where(ch >= size, sz2 - ch - 1, ch)
        out = np.where(low, cl, np.where(high, ch, c))
    else:  # WRAP: [abcd] → [abcd|abcd|abcd]
        sz = size - 1
        low = c < 0
        cl = c + size * (np.trunc(-c / sz).astype(np.float32) + 1)
        high = c > last
        ch = c - size * np.trunc(c / sz).astype(np.float32)
        out = np.where(low, cl, np.where(high, ch, c))
    return np.clip(out.astype(np.float32), np.float32(0), last)


def _round_half_away(v: np.ndarray) -> np.ndarray:
    """std::round: halves go away from zero (numpy's round goes to even)."""
    r = np.floor(v)
    diff = v - r
    return np.where(diff > 0.5, r + 1, np.where(diff < 0.5, r, np.where(v >= 0, r + 1, r)))


def _read(images: np.ndarray, b: np.ndarray, y: np.ndarray, x: np.ndarray,
          fill: np.float32) -> np.ndarray:
    """images[b, y, x, :] where (y, x) is inside the image, ``fill`` elsewhere."""
    h, w = images.shape[1:3]
    inside = (y >= 0) & (y < h) & (x >= 0) & (x < w)
    yi = np.clip(y, 0, h - 1).astype(np.intp)
    xi = np.clip(x, 0, w - 1).astype(np.intp)
    values = images[b, yi, xi].astype(np.float32)
    return np.where(inside[..., None], values, fill)


@defop("ImageProjectiveTransformV3")
def IMAGE_PROJECTIVE_TRANSFORM(images: np.ndarray, transforms: np.ndarray,
                               output_shape: np.ndarray, fill_value: np.ndarray,
                               interpolation: str = "BILINEAR",
                               fill_mode: str = "CONSTANT") -> np.ndarray:
    """The resampled images, (batch, out_h, out_w, channels), in the images' dtype."""
    n, h, w, _ = images.shape
    out_h, out_w = (int(v) for v in np.asarray(output_shape).reshape(-1))
    t = np.asarray(transforms, np.float32)
    t = np.broadcast_to(t, (n, 8)) if t.shape[0] == 1 else t
    f32 = np.float32
    ys, xs = np.meshgrid(np.arange(out_h, dtype=f32), np.arange(out_w, dtype=f32),
                         indexing="ij")
    col = [t[:, i, None, None] for i in range(8)]
    projection = col[6] * xs + col[7] * ys + f32(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        in_x = (col[0] * xs + col[1] * ys + col[2]) / projection
        in_y = (col[3] * xs + col[4] * ys + col[5]) / projection
    x = _map_coordinate(in_x, w, fill_mode)
    y = _map_coordinate(in_y, h, fill_mode)
    fill = f32(np.asarray(fill_value).reshape(()))
    b = np.arange(n)[:, None, None]
    if interpolation == "NEAREST":
        out = _read(images, b, _round_half_away(y), _round_half_away(x), fill)
    else:
        y0, x0 = np.floor(y), np.floor(x)
        y1, x1 = y0 + f32(1), x0 + f32(1)
        wx0, wx1 = (x1 - x)[..., None], (x - x0)[..., None]
        top = wx0 * _read(images, b, y0, x0, fill) + wx1 * _read(images, b, y0, x1, fill)
        bottom = wx0 * _read(images, b, y1, x0, fill) + wx1 * _read(images, b, y1, x1, fill)
        out = (y1 - y)[..., None] * top + (y - y0)[..., None] * bottom
    out = np.where((projection == 0)[..., None], fill, out)
    return out.astype(images.dtype)


@IMAGE_PROJECTIVE_TRANSFORM.gradient
def _(op: OpCall, grad: Tensor) -> tuple:
    """TensorFlow's rule (image_ops' _image_projective_transform_v3_grad): the upstream
    gradient resampled through the inverse transform, fill 0 — an approximation of the
    adjoint of bilinear sampling, kept so gradients equal TensorFlow's. No gradient for
    the transforms, the output shape or the fill value."""
    images, transforms = op.inputs[0], op.inputs[1]
    matrices = array_ops.reshape(array_ops.concat(
        [transforms, array_ops.ones_like(transforms[:, :1])], axis=1), [-1, 3, 3])
    inverse = array_ops.reshape(linalg_ops.inv(matrices), [-1, 9])
    flat = math_ops.divide(inverse[:, :8], inverse[:, 8:])
    back = execute(IMAGE_PROJECTIVE_TRANSFORM,
                   (grad, flat, convert_to_tensor(np.asarray(images.shape[1:3], np.int32)),
                    convert_to_tensor(np.float32(0))),
                   {"interpolation": op.attrs["interpolation"],
                    "fill_mode": op.attrs["fill_mode"]})
    return back, None, None, None


def image_projective_transform_v3(images: Any, transforms: Any, output_shape: Any,
                                  fill_value: Any, interpolation: str,
                                  fill_mode: str = "CONSTANT") -> Tensor:
    """``tf.raw_ops.ImageProjectiveTransformV3`` (NHWC images, [N or 1, 8] transforms)."""
    x = images if isinstance(images, Tensor) else convert_to_tensor(images)
    t = math_ops.cast(transforms, "float32")
    interpolation, fill_mode = str(interpolation).upper(), str(fill_mode).upper()
    if len(x.shape) != 4:
        raise errors.InvalidArgumentError(
            None, "ImageProjectiveTransformV3", "Input images must have rank 4 "
            "[Op:ImageProjectiveTransformV3]")
    if len(t.shape) != 2 or t.shape[1] != 8 or t.shape[0] not in (1, x.shape[0]):
        raise errors.InvalidArgumentError(
            None, "ImageProjectiveTransformV3", "Input transform should be num_images x 8 "
            "or 1 x 8 [Op:ImageProjectiveTransformV3]")
    if interpolation not in INTERPOLATIONS or fill_mode not in FILL_MODES:
        raise errors.InvalidArgumentError(
            None, "ImageProjectiveTransformV3", f"Unsupported interpolation {interpolation!r} "
            f"or fill_mode {fill_mode!r} [Op:ImageProjectiveTransformV3]")
    shape = convert_to_tensor(np.asarray(output_shape, np.int32).reshape(-1))
    fill = math_ops.cast(fill_value, "float32")
    return execute(IMAGE_PROJECTIVE_TRANSFORM, (x, t, shape, fill),
                   {"interpolation": interpolation, "fill_mode": fill_mode})
