"""How an intramuscular fat (IMF) percentage is measured: a synthetic axial slice, a muscle mask, a threshold.

Papers that grade paraspinal fat from MRI (e.g. with computer-vision models) report, per muscle, the share
of the muscle's cross-section whose signal is fat-like. The pipeline has three steps, each small enough to
see here: (1) segment the muscle (the *mask*: which pixels belong to the muscle); (2) choose a signal
threshold separating fat from lean muscle inside the mask (here Otsu's method, written out with numpy);
(3) IMF % = 100 x (mask pixels above the threshold) / (mask pixels).

:func:`simulate_axial_slice` draws a small synthetic T2-weighted axial slice of the lumbar paraspinal
region with a known fat fraction per muscle (no real images, nothing downloaded); :func:`otsu_threshold`
and :func:`measure_imf` measure it. Everything is seeded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import pandas as pd
from scipy import ndimage

from helpers.io import InputError
from helpers.synthetic._core import as_generator

MUSCLES = ("multifidus_left", "multifidus_right", "erector_left", "erector_right")
"""Muscle names, as in the chapter's columns ``imf_<muscle>``."""

DEFAULT_FAT_FRACTIONS = {"multifidus_left": 0.40, "multifidus_right": 0.45, "erector_left": 0.25,
                         "erector_right": 0.30}
"""Fat fractions (0-1) of the four muscles in the default synthetic slice."""

SIGNAL = {"background": 0.02, "lean_muscle": 0.30, "fat": 0.85, "bone": 0.45, "csf": 0.95, "fascia": 0.20}
"""Mean signal (arbitrary units) of each tissue on the synthetic T2-weighted slice (fat bright, muscle dark)."""

# Ellipses (row centre, column centre, row semi-axis, column semi-axis) on a unit square; the image is
# displayed in radiological convention: the patient's right on the viewer's left, posterior at the bottom.
_LAYOUT = {
    "body": (0.50, 0.50, 0.47, 0.495),
    "vertebral_body": (0.20, 0.50, 0.15, 0.17),
    "canal": (0.43, 0.50, 0.06, 0.07),
    "spinous_process": (0.66, 0.50, 0.16, 0.025),
    "multifidus_right": (0.67, 0.405, 0.13, 0.065),
    "multifidus_left": (0.67, 0.595, 0.13, 0.065),
    "erector_right": (0.62, 0.25, 0.15, 0.10),
    "erector_left": (0.62, 0.75, 0.15, 0.10),
}


@dataclass(frozen=True)
class AxialSlice:
    """A synthetic axial slice (see :func:`simulate_axial_slice`)."""

    image: np.ndarray
    masks: dict[str, np.ndarray]
    fat: np.ndarray
    true_imf_percent: dict[str, float]
    pixel_size_mm: float
    noise_sd: float


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


def _ellipse(rows: np.ndarray, cols: np.ndarray, spec: tuple[float, float, float, float]) -> np.ndarray:
    centre_row, centre_col, half_rows, half_cols = spec
    return ((rows - centre_row) / half_rows) ** 2 + ((cols - centre_col) / half_cols) ** 2 <= 1.0


def simulate_axial_slice(fat_fractions: Mapping[str, float] | None = None, *, size: int = 128,
                         noise_sd: float = 0.05, blur_pixels: float = 0.6, field_of_view_mm: float = 160.0,
                         rng: int | np.random.Generator | None = None) -> AxialSlice:
    """A synthetic T2-weighted axial slice of the lumbar paraspinal muscles with known fat fractions.

    Parameters
    ----------
    fat_fractions : mapping, optional
        Fat fraction (0-1) per muscle in :data:`MUSCLES`; missing muscles take
        :data:`DEFAULT_FAT_FRACTIONS`.
    size : int
        Image size in pixels (square, at least 48).
    noise_sd : float
        Standard deviation of the Gaussian noise added to the signal (arbitrary units; lean-fat contrast
        is 0.55).
    blur_pixels : float
        Gaussian blur (SD in pixels) before the noise: partial-volume mixing at tissue edges.
    field_of_view_mm : float
        Width of the image in mm (sets the pixel size reported with the areas).
    rng : int or numpy Generator, optional
        Seed or Generator (the book's seed when None).

    Returns
    -------
    AxialSlice
        ``image`` (size x size float array, signal in arbitrary units, >= 0), ``masks`` (muscle name ->
        boolean array: the segmentation), ``fat`` (boolean array: where fat was placed, the ground truth),
        ``true_imf_percent`` (muscle -> 100 x fat pixels / mask pixels, exact by construction),
        ``pixel_size_mm``, ``noise_sd``.

    Raises
    ------
    InputError
        An unknown muscle name or a fraction outside 0-1, or a too small image.

    Notes
    -----
    Fat infiltration is a smoothed random field inside each muscle, heavier towards the muscle's edge
    (as fatty infiltration often looks), thresholded at the quantile that gives exactly the requested
    fraction of the muscle's pixels. A one-pixel dark fascia surrounds each muscle, outside its mask. The
    slice also has subcutaneous fat, a vertebral body, the spinal
    canal (bright cerebrospinal fluid) and a spinous process, so the image looks like the real anatomy
    in outline; it is a teaching drawing, not a simulation of MR physics.

    Examples
    --------
    >>> axial = simulate_axial_slice({"multifidus_right": 0.5}, rng=1)
    >>> round(axial.true_imf_percent["multifidus_right"], 1)  # 50 % up to one pixel
    50.1
    """
    fractions = dict(DEFAULT_FAT_FRACTIONS)
    for name, value in dict(fat_fractions or {}).items():
        if name not in MUSCLES:
            raise InputError(f"unknown muscle '{name}'; use one of {list(MUSCLES)}.")
        if not 0.0 <= float(value) <= 1.0:
            raise InputError(f"fat fraction of {name} is {value}; give a fraction between 0 and 1 (0.35 = 35 %).")
        fractions[name] = float(value)
    if size < 48:
        raise InputError(f"size={size}: use at least 48 pixels so the muscles are more than a few pixels wide.")
    generator = as_generator(rng)
    rows, cols = np.mgrid[0:size, 0:size] / (size - 1)
    tissue = np.full((size, size), SIGNAL["background"])
    body = _ellipse(rows, cols, _LAYOUT["body"])
    tissue[body] = SIGNAL["fat"]  # subcutaneous and interstitial fat fill the body outline
    fat = body.copy()
    masks = {}
    for muscle in ("erector_right", "erector_left", "multifidus_right", "multifidus_left"):
        masks[muscle] = _ellipse(rows, cols, _LAYOUT[muscle])
    spinous = _ellipse(rows, cols, _LAYOUT["spinous_process"])
    masks = {name: mask & ~spinous for name, mask in masks.items()}
    masks["erector_right"] &= ~masks["multifidus_right"]
    masks["erector_left"] &= ~masks["multifidus_left"]
    true_imf = {}
    for muscle in MUSCLES:
        mask = masks[muscle]
        centre_row, centre_col, half_rows, half_cols = _LAYOUT[muscle]
        radial = np.sqrt(((rows - centre_row) / half_rows) ** 2 + ((cols - centre_col) / half_cols) ** 2)
        texture = ndimage.gaussian_filter(generator.normal(size=(size, size)), sigma=size / 64.0)
        texture = texture / texture[mask].std()
        score = texture + 1.0 * radial
        n_fat = int(round(fractions[muscle] * mask.sum()))
        muscle_fat = np.zeros_like(mask)
        if n_fat > 0:
            cut = np.sort(score[mask])[::-1][n_fat - 1]
            muscle_fat = mask & (score >= cut)
        tissue[mask] = SIGNAL["lean_muscle"]
        tissue[muscle_fat] = SIGNAL["fat"]
        fat[mask] = muscle_fat[mask]
        true_imf[muscle] = 100.0 * float(muscle_fat.sum()) / float(mask.sum())
    outside = ~np.logical_or.reduce(list(masks.values()))
    for muscle in MUSCLES:  # a thin fascia (dark) around each muscle, outside its mask
        ring = ndimage.binary_dilation(masks[muscle]) & outside & body
        tissue[ring] = SIGNAL["fascia"]
        fat[ring] = False
    for part, signal in (("vertebral_body", SIGNAL["bone"]), ("spinous_process", SIGNAL["bone"]),
                         ("canal", SIGNAL["csf"])):
        region = _ellipse(rows, cols, _LAYOUT[part])
        tissue[region] = signal
        fat[region] = False
    image = ndimage.gaussian_filter(tissue, sigma=blur_pixels) if blur_pixels > 0 else tissue
    image = np.clip(image + generator.normal(0.0, noise_sd, size=image.shape), 0.0, None)
    return AxialSlice(image=image, masks=masks, fat=fat, true_imf_percent=true_imf,
                      pixel_size_mm=field_of_view_mm / size, noise_sd=noise_sd)


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
    >>> axial = simulate_axial_slice({"multifidus_right": 0.5}, rng=1)
    >>> result = measure_imf(axial.image, axial.masks["multifidus_right"])
    >>> abs(result.imf_percent - 50.0) < 2.0
    True
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


def measure_slice(axial: AxialSlice, *, muscles: tuple[str, ...] = MUSCLES) -> pd.DataFrame:
    """Measure every muscle of a synthetic slice: muscle, true_imf_percent, measured_imf_percent,
    difference (measured - true, percentage points), threshold, area_mm2."""
    rows = []
    for muscle in muscles:
        result = measure_imf(axial.image, axial.masks[muscle], pixel_size_mm=axial.pixel_size_mm)
        truth = axial.true_imf_percent[muscle]
        rows.append({"muscle": muscle, "true_imf_percent": truth, "measured_imf_percent": result.imf_percent,
                     "difference": result.imf_percent - truth, "threshold": result.threshold,
                     "area_mm2": result.area_mm2})
    return pd.DataFrame(rows)
