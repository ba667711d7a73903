"""Friedman / Nemenyi ranks on a hand-made 3-model x 4-dataset table, checked against the libs."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import scikit_posthocs as sp
from scipy import stats

from reports.ranks import block_scores, nemenyi_cd, rank_models

SCORES = pd.DataFrame(
    {  # mean test top-1 per block (rows) and model (columns)
        "eanet": [0.55, 0.70, 0.40, 0.62],
        "vit": [0.60, 0.72, 0.45, 0.61],
        "vit_sl": [0.66, 0.75, 0.45, 0.70],
    },
    index=["demo / digits", "demo / synthetic", "fair / cifar10", "fair / digits"],
)
# ranks by hand (1 = best, ties share the mean rank):
#   digits: vit_sl 1, vit 2, eanet 3;  synthetic: vit_sl 1, vit 2, eanet 3
#   cifar10: vit 1.5, vit_sl 1.5, eanet 3;  fair digits: vit_sl 1, eanet 2, vit 3
HAND_MEAN_RANKS = {"vit_sl": 4.5 / 4, "vit": 8.5 / 4, "eanet": 11 / 4}


def test_mean_ranks_by_hand():
    result = rank_models(SCORES)
    assert result.mean_ranks.to_dict() == pytest.approx(HAND_MEAN_RANKS)
    assert list(result.mean_ranks.index) == ["vit_sl", "vit", "eanet"]
    assert result.ranks.loc["fair / cifar10", "vit"] == 1.5


def test_friedman_and_nemenyi_match_the_libraries():
    result = rank_models(SCORES)
    ref = stats.friedmanchisquare(*(SCORES[c] for c in SCORES.columns))
    assert result.friedman_stat == pytest.approx(ref.statistic)
    assert result.friedman_p == pytest.approx(ref.pvalue)
    nemenyi = sp.posthoc_nemenyi_friedman(SCORES.to_numpy())
    assert result.nemenyi.to_numpy() == pytest.approx(nemenyi.to_numpy())
    assert result.nemenyi.loc["vit_sl", "eanet"] < result.nemenyi.loc["vit_sl", "vit"]


def test_critical_difference_matches_demsar_table():
    # Demšar (2006), Table 5: q_0.05 = 2.343 for k = 3 -> CD = 2.343 * sqrt(3 * 4 / (6 * N))
    assert nemenyi_cd(3, 4) == pytest.approx(2.343 * math.sqrt(12 / 24), abs=1e-3)


def test_incomplete_blocks_are_dropped_and_two_models_get_no_friedman():
    gappy = SCORES.copy()
    gappy.loc["fair / digits", "vit"] = float("nan")
    result = rank_models(gappy)
    assert result.dropped == ("fair / digits",) and len(result.ranks) == 3
    two = rank_models(SCORES[["vit", "eanet"]])
    assert two.nemenyi is None and math.isnan(two.friedman_p)


def test_block_scores_average_seeds_per_preset_and_dataset():
    runs = pd.DataFrame(
        {
            "model": ["vit", "vit", "eanet", "vit"],
            "preset": ["demo", "demo", "demo", "fair"],
            "dataset": ["digits"] * 4,
            "test_accuracy": [0.5, 0.7, 0.4, 0.9],
        }
    )
    scores = block_scores(runs)
    assert scores.loc["demo / digits", "vit"] == pytest.approx(0.6)
    assert math.isnan(scores.loc["fair / digits", "eanet"])
