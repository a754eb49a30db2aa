"""General figures, one module per method family. Figures compute no statistics: they draw what the
statistics return, take ``ax=None`` where they are single-panel, and carry a title and axis labels with
units; chapters give alt text. Chapter-specific figures live in ``helpers/chapters/<id>/figures.py``.
"""

from helpers.presentation.figures.diagnostic import plot_fagan_nomogram, plot_predictive_values
from helpers.presentation.figures.matching import plot_effect_estimates, plot_love, plot_score_overlap
from helpers.presentation.figures.prediction import (
                                                     plot_calibration,
                                                     plot_decision_curve,
                                                     plot_roc_curves,
                                                     plot_scatter_matrix,
)
from helpers.presentation.figures.survival import plot_forest, plot_kaplan_meier, plot_schoenfeld_residuals

__all__ = ["plot_fagan_nomogram", "plot_predictive_values", "plot_effect_estimates", "plot_love",
           "plot_score_overlap", "plot_calibration", "plot_decision_curve", "plot_roc_curves", "plot_scatter_matrix",
           "plot_forest", "plot_kaplan_meier", "plot_schoenfeld_residuals"]
