"""Measuring an intramuscular fat (IMF) percentage in an image: the Otsu threshold inside a muscle mask."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from helpers.validation.errors import InputError


@dataclass(frozen=True)
class IMFMeasurement:
    """The IMF of one muscle measured on an image (see :func:`measure_imf`)."""

    imf_percent: float
    threshold: float
    fat_mask: np.ndarray = field(repr=False)
    n_pixels: int
    n_fat_pixels: int
    area_mm2: float
    method: str


def otsu_threshold(values: np.ndarray) -> float:
    """Otsu's threshold: the cut that maximises the between-class variance of the values.

    Parameters
    ----------
    values : array
        Signal values (any shape; NaNs are not allowed). At least two distinct values.

    Returns
    -------
    float
        The threshold :math:`t`; the upper class is ``values > t``. :math:`t` is the largest value of
        the lower class of the best split (exact: every split between consecutive distinct values is
        tried; no histogram binning).

    Raises
    ------
    InputError
        Fewer than two distinct values, or NaNs.

    Notes
    -----
    Otsu (1979): for a split into a lower class (weight :math:`w_0`, mean :math:`\\mu_0`) and an upper
    class (:math:`w_1`, :math:`\\mu_1`), the between-class variance is
    :math:`\\sigma_B^2 = w_0 w_1 (\\mu_0 - \\mu_1)^2`; maximising it minimises the within-class variance.
    scikit-image's ``threshold_otsu`` does the same on a 256-bin histogram and returns a bin centre, so
    its threshold can differ from this one by up to a bin width; the classes agree except for values
    inside that bin.

    Examples
    --------
    >>> otsu_threshold(np.array([1.0, 2.0, 3.0, 10.0, 11.0, 12.0]))
    3.0
    """
    flat = np.asarray(values, dtype=float).ravel()
    if np.isnan(flat).any():
        raise InputError("the values contain NaN; remove them (or restrict to the mask) before thresholding.")
    levels, counts = np.unique(flat, return_counts=True)
    if len(levels) < 2:
        raise InputError("Otsu's threshold needs at least two distinct signal values; the region is constant.")
    weight = np.cumsum(counts)[:-1].astype(float)  # lower class = levels[: k + 1]
    total = float(counts.sum())
    lower_sum = np.cumsum(levels * counts)[:-1]
    w0 = weight / total
    mu0 = lower_sum / weight
    mu1 = (float((levels * counts).sum()) - lower_sum) / (total - weight)
    between = w0 * (1.0 - w0) * (mu0 - mu1) ** 2
    return float(levels[int(np.argmax(between))])


def measure_imf(image: np.ndarray, mask: np.ndarray, *, threshold: float | None = None,
                pixel_size_mm: float = 1.0) -> IMFMeasurement:
    """Intramuscular fat percentage of one muscle: mask pixels brighter than a fat threshold.

    Parameters
    ----------
    image : 2-D array
        Signal of a T2-weighted (or T1-weighted) slice, fat bright.
    mask : 2-D boolean array
        The muscle's segmentation, same shape as ``image``.
    threshold : float, optional
        Fat threshold; None: Otsu's threshold of the signal inside the mask (:func:`otsu_threshold`).
    pixel_size_mm : float
        Pixel width in mm (for the cross-sectional area).

    Returns
    -------
    IMFMeasurement
        ``imf_percent`` (100 x fat pixels / mask pixels), ``threshold``, ``fat_mask`` (boolean array),
        ``n_pixels``, ``n_fat_pixels``, ``area_mm2`` (cross-sectional area of the mask), ``method``.

    Raises
    ------
    InputError
        Shapes differ or the mask is empty.

    Notes
    -----
    A per-muscle Otsu threshold adapts to each scan's signal scaling, which varies between scanners and
    coils; a fixed threshold would not. It assumes two tissue classes inside the mask: when a muscle is
    almost all lean or almost all fat, Otsu splits noise and the percentage is biased, which is one reason
    studies validate their pipeline against manual measurements (or use Dixon fat-fraction maps).

    Examples
    --------
    >>> image = np.array([[0.3, 0.3, 0.9, 0.9], [0.3, 0.3, 0.9, 0.1]])  # lean 0.3, fat 0.9, background 0.1
    >>> mask = np.array([[True, True, True, True], [True, True, True, False]])
    >>> round(measure_imf(image, mask).imf_percent, 1)  # 3 fat pixels of 7
    42.9
    """
    image, mask = np.asarray(image, dtype=float), np.asarray(mask, dtype=bool)
    if image.shape != mask.shape:
        raise InputError(f"image {image.shape} and mask {mask.shape} differ in shape; use the mask of this image.")
    n_pixels = int(mask.sum())
    if n_pixels == 0:
        raise InputError("the mask is empty: no pixel belongs to the muscle.")
    inside = image[mask]
    method = "fixed threshold"
    if threshold is None:
        threshold, method = otsu_threshold(inside), "Otsu threshold of the signal inside the muscle mask"
    fat_mask = mask & (image > threshold)
    n_fat = int(fat_mask.sum())
    return IMFMeasurement(imf_percent=100.0 * n_fat / n_pixels, threshold=float(threshold), fat_mask=fat_mask,
                          n_pixels=n_pixels, n_fat_pixels=n_fat, area_mm2=n_pixels * pixel_size_mm ** 2,
                          method=method)
