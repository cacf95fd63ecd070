"""Fake raw files of the C. elegans activity studies, one module per study, in the published layouts."""
