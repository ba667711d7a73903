"""The `slurm_cluster` fixture: a real one-node Slurm cluster (tests/support/slurm_cluster.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import require_service
from tests.support.slurm_cluster import (
    SlurmCluster,
    running_slurm_cluster,
    slurm_unavailable_reason,
)


@pytest.fixture
def slurm_cluster() -> Iterator[SlurmCluster]:
    reason = slurm_unavailable_reason()
    if reason is not None:
        require_service("Slurm (slurm-wlm, munge)", reason)
    with running_slurm_cluster() as cluster:
        yield cluster
