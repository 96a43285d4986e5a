"""Pixels to movement facts: frame sources, the pose estimator, and pure movement analysis."""
