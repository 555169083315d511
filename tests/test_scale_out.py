"""Risk runs and sensitivity sweeps on a Dask cluster give exactly what a local run gives."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from stpkit.examples import example_paths

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local_cluster:
        yield local_cluster.scheduler_address


def stp(*args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "stpkit", *args], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_risk_run_on_the_cluster_matches_the_local_run(cluster):
    args = ("run", "--runs", "6000", "--seed", "4", "--format", "json")
    local = json.loads(stp(*args))
    remote = json.loads(stp(*args, "--scheduler", cluster))
    assert remote["risk"]["runs"] == 6000
    assert remote == local


def test_a_sensitivity_sweep_on_the_cluster_matches_the_local_one(cluster):
    args = ("sensitivity", str(example_paths()["cornwall_and_isles_of_scilly"]), "--samples", "64",
            "--format", "json")
    assert json.loads(stp(*args, "--scheduler", cluster)) == json.loads(stp(*args))


def test_a_national_risk_run_on_the_cluster_matches_the_local_one(cluster):
    from stpkit.national.rollup import run_national
    from stpkit.reference.parameters import load_parameters

    params = load_parameters()
    local = run_national(params, runs=200, seed=8)
    with distributed.Client(cluster) as client:

        def mapped(fn, items):
            return (f.result() for f in client.map(fn, items, pure=False))

        remote = run_national(params, runs=200, seed=8, mapper=mapped)
    assert np.array_equal(remote.risk.percentiles_of_sum, local.risk.percentiles_of_sum)
    assert np.array_equal(remote.risk.p_balance, local.risk.p_balance)
    assert remote.table.equals(local.table)
