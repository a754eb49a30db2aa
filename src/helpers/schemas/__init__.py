"""Data schemas: the one place that names each chapter's columns, types, units and allowed values.

Each chapter's schema is a pandera ``DataFrameSchema`` in its own module; :data:`SCHEMAS` maps chapter
ids to them and :func:`validate` checks a frame against one, reporting every problem at once as an
:class:`helpers.io.InputError`.
"""

import pandera.pandas as pa

from helpers.schemas._core import BINARY, validate
from helpers.schemas.equivocal_mri import EQUIVOCAL_MRI
from helpers.schemas.paraspinal_imf import PARASPINAL_IMF

SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "equivocal-mri": EQUIVOCAL_MRI,
    "paraspinal-imf": PARASPINAL_IMF,
}

__all__ = ["BINARY", "SCHEMAS", "validate", "EQUIVOCAL_MRI", "PARASPINAL_IMF"]
