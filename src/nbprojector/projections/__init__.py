"""Projections: pure functions from an (N, D) float32 matrix to an (N, 2 or 3) layout.

Nothing here imports the widget; every module is usable and tested on its own.
"""
