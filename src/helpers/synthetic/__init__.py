"""Deterministic synthetic cohorts, one generator module per chapter.

Every generator takes ``rng`` (an int seed or a ``numpy.random.Generator``) and never touches global
random state: the same seed gives the same rows, and :func:`write_csv` the same bytes.
"""

from helpers.synthetic._core import DEFAULT_SEED, as_generator, write_csv
from helpers.synthetic.dynamic_mri import simulate_dynamic_mri
from helpers.synthetic.dti_ivim import simulate_dti_ivim
from helpers.synthetic.equivocal_mri import simulate_equivocal_mri
from helpers.synthetic.mscc_separation import simulate_mscc_separation
from helpers.synthetic.paraspinal_imf import simulate_paraspinal_imf

__all__ = ["DEFAULT_SEED", "as_generator", "write_csv", "simulate_equivocal_mri", "simulate_dynamic_mri",
           "simulate_mscc_separation", "simulate_dti_ivim", "simulate_paraspinal_imf"]
