"""Tests of helpers.stats.imaging: Otsu's threshold by hand, and IMF % recovered from slices of known fat fraction."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.chapters.paraspinal_imf.simulate_image import MUSCLES, simulate_axial_slice
from helpers.stats.imaging import measure_imf, otsu_threshold
from helpers.validation.errors import InputError


def test_otsu_matches_hand_computation():
    # values 0 (x3), 2 (x1), 6 (x2), 9 (x2); n = 8, overall mean = 32 / 8 = 4.
    # split after 0: w0 = 3/8, mu0 = 0, mu1 = 32/5 = 6.4  -> 3/8 * 5/8 * 6.4^2 = 9.6
    # split after 2: w0 = 4/8, mu0 = 0.5, mu1 = 30/4 = 7.5 -> 1/2 * 1/2 * 7^2 = 12.25 (maximum)
    # split after 6: w0 = 6/8, mu0 = 14/6, mu1 = 9  -> 3/4 * 1/4 * (20/3)^2 = 8.33
    values = np.array([0, 0, 0, 2, 6, 6, 9, 9], dtype=float)
    assert otsu_threshold(values) == 2.0
    assert otsu_threshold(values[::-1].reshape(2, 4)) == 2.0  # order and shape do not matter
    # Brute force over every cut: the between-class variance is maximal at the returned threshold.
    rng = np.random.default_rng(3)
    sample = np.concatenate([rng.normal(0.3, 0.05, 300), rng.normal(0.85, 0.05, 120)])
    best = otsu_threshold(sample)
    def between(cut):
        low, high = sample[sample <= cut], sample[sample > cut]
        return len(low) * len(high) / len(sample) ** 2 * (low.mean() - high.mean()) ** 2
    cuts = np.sort(sample)[:-1]
    assert between(best) == pytest.approx(max(between(c) for c in cuts), rel=1e-12)
    assert 0.45 < best < 0.7


def test_otsu_input_errors():
    with pytest.raises(InputError, match="two distinct"):
        otsu_threshold(np.ones(10))
    with pytest.raises(InputError, match="NaN"):
        otsu_threshold(np.array([1.0, np.nan, 3.0]))


@pytest.mark.parametrize("fraction", [0.10, 0.30, 0.50, 0.70, 0.85])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_measured_imf_recovers_the_known_fat_fraction(fraction, seed):
    axial = simulate_axial_slice({muscle: fraction for muscle in MUSCLES}, rng=seed)
    for muscle in MUSCLES:
        truth = axial.true_imf_percent[muscle]
        assert truth == pytest.approx(100 * fraction, abs=0.5)  # exact up to one pixel by construction
        measured = measure_imf(axial.image, axial.masks[muscle], pixel_size_mm=axial.pixel_size_mm)
        assert measured.imf_percent == pytest.approx(truth, abs=2.0)
        # The measured fat pixels are mostly the true ones (not just the right count).
        agreement = (measured.fat_mask == axial.fat)[axial.masks[muscle]].mean()
        assert agreement > 0.97
        assert measured.n_fat_pixels == measured.fat_mask.sum()
        assert measured.area_mm2 == pytest.approx(axial.masks[muscle].sum() * axial.pixel_size_mm ** 2)


def test_slice_is_seeded_and_masks_are_disjoint():
    first, again, other = (simulate_axial_slice(rng=seed) for seed in (5, 5, 6))
    np.testing.assert_array_equal(first.image, again.image)
    assert not np.array_equal(first.image, other.image)
    stacked = np.stack([first.masks[m] for m in MUSCLES]).sum(axis=0)
    assert stacked.max() == 1
    assert (first.image >= 0).all()
    # The generator never touches numpy's global state.
    np.random.seed(0)
    state = np.random.get_state()[1].copy()
    simulate_axial_slice(rng=1)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_fixed_threshold_versus_otsu_and_the_lean_muscle_pitfall():
    axial = simulate_axial_slice({"multifidus_right": 0.4}, rng=0)
    mask, truth = axial.masks["multifidus_right"], axial.true_imf_percent["multifidus_right"]
    # A fixed threshold midway between lean (0.30) and fat (0.85) signal works on this scaling...
    fixed = measure_imf(axial.image, mask, threshold=0.575)
    assert fixed.imf_percent == pytest.approx(truth, abs=2.0)
    assert fixed.method == "fixed threshold"
    # ...but not when the scanner scales the signal differently; Otsu's threshold adapts.
    assert measure_imf(axial.image * 0.5, mask, threshold=0.575).imf_percent < 1.0
    assert measure_imf(axial.image * 0.5, mask).imf_percent == pytest.approx(truth, abs=2.0)
    # Pitfall: a muscle without fat has one tissue class, and Otsu splits the noise instead.
    lean = simulate_axial_slice({"multifidus_right": 0.0}, rng=0)
    assert lean.true_imf_percent["multifidus_right"] == 0.0
    assert measure_imf(lean.image, lean.masks["multifidus_right"]).imf_percent > 20.0
    assert measure_imf(lean.image, lean.masks["multifidus_right"], threshold=0.575).imf_percent < 1.0


def test_measure_imf_input_errors():
    axial = simulate_axial_slice(rng=0)
    with pytest.raises(InputError, match="shape"):
        measure_imf(axial.image, axial.masks["erector_left"][:-1])
    with pytest.raises(InputError, match="empty"):
        measure_imf(axial.image, np.zeros_like(axial.masks["erector_left"]))
    with pytest.raises(InputError, match="unknown muscle"):
        simulate_axial_slice({"psoas": 0.2})
    with pytest.raises(InputError, match="between 0 and 1"):
        simulate_axial_slice({"erector_left": 35})
