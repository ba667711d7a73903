"""Seeded, stratified hold-outs for own data: each class keeps its share in every split.

A random hold-out of a small, imbalanced folder can leave a rare class out of validation or
test altogether; stratifying keeps class proportions, and the seed (`data.split_seed`) makes the
split the same for every model and run seed.
"""

from __future__ import annotations

import numpy as np

from benchmark.errors import ConfigError


def _per_class_counts(counts: np.ndarray, fraction: float) -> np.ndarray:
    """Largest-remainder allocation of round(N * fraction) held-out examples over the classes,
    each class keeping at least one example (so every class stays in training)."""
    target = max(1, int(round(counts.sum() * fraction)))
    exact = counts * fraction
    held = np.minimum(np.floor(exact).astype(int), counts - 1)
    room = counts - 1 - held
    order = np.argsort(-(exact - np.floor(exact)), kind="stable")
    while held.sum() < target and room.sum() > 0:
        for c in order:
            if held.sum() >= target:
                break
            if room[c] > 0:
                held[c] += 1
                room[c] -= 1
    return held


def stratified_split(
    labels: np.ndarray, fraction: float, seed: int, what: str
) -> tuple[np.ndarray, np.ndarray]:
    """(kept indices, held-out indices), each in a seeded random order."""
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(labels, return_counts=True)
    held_counts = _per_class_counts(counts, fraction)
    kept: list[np.ndarray] = []
    held: list[np.ndarray] = []
    for c, n_held in zip(classes, held_counts, strict=True):
        members = np.flatnonzero(labels == c)
        members = members[rng.permutation(len(members))]
        held.append(members[:n_held])
        kept.append(members[n_held:])
    held_all = np.concatenate(held)
    if len(held_all) == 0:
        raise ConfigError(
            f"{what}: {len(labels)} images are too few to hold out a split (every class has "
            "one image); add images or give the split as its own folder"
        )
    kept_all = np.concatenate(kept)
    return kept_all[rng.permutation(len(kept_all))], held_all[rng.permutation(len(held_all))]
