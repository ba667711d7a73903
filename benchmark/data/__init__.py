"""Datasets, splits and fingerprints."""
