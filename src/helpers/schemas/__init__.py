"""Data schemas: the one place that names each chapter's columns, types, units and allowed values.

Each chapter's schema is a pandera ``DataFrameSchema`` in its own module; :data:`SCHEMAS` maps chapter
ids to them and :func:`validate` checks a frame against one, reporting every problem at once as an
:class:`helpers.io.InputError`.
"""

import pandera.pandas as pa

from helpers.schemas._core import BINARY, data_dictionary_markdown, describe_schema, validate, write_template
from helpers.schemas.dynamic_mri import DYNAMIC_MRI
from helpers.schemas.dti_ivim import DTI_IVIM
from helpers.schemas.equivocal_mri import EQUIVOCAL_MRI
from helpers.schemas.mscc_separation import MSCC_SEPARATION
from helpers.schemas.paraspinal_imf import PARASPINAL_IMF

SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "equivocal-mri": EQUIVOCAL_MRI,
    "dynamic-mri": DYNAMIC_MRI,
    "mscc-separation": MSCC_SEPARATION,
    "dti-ivim": DTI_IVIM,
    "paraspinal-imf": PARASPINAL_IMF,
}

__all__ = ["BINARY", "SCHEMAS", "validate", "describe_schema", "write_template", "data_dictionary_markdown",
           "EQUIVOCAL_MRI", "DYNAMIC_MRI", "MSCC_SEPARATION", "DTI_IVIM", "PARASPINAL_IMF"]
