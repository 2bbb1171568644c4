"""Reproducible performance measurements, each a ratio against a baseline measured in the
same run on the same servers (timings on a shared machine are noisy; ratios much less so)."""
