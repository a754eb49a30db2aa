"""A synthetic axial MRI slice of the lower back with four paraspinal muscles of known fat fraction,
for teaching how an intramuscular fat (IMF) percentage is measured (:mod:`helpers.stats.imaging`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
from scipy import ndimage

from helpers.validation.checks import DEFAULT_SEED, as_rng
from helpers.validation.errors import InputError

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
    generator = as_rng(rng, default_seed=DEFAULT_SEED)
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
