"""The chapters: one folder each (schema, simulate, published, parameters, analysis, results)."""
