"""Scaling laws: the fit recovers known constants, the compute-optimal split is the true
minimum, the published fits say what their papers say, the committed sweep is fitted well."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from playground.lifecycle import scaling
from playground.lifecycle.scaling import PUBLISHED, Law


def test_the_fit_recovers_known_constants_from_synthetic_points():
    truth = Law(E=1.2, A=60.0, B=300.0, alpha=0.4, beta=0.33)
    N, D = np.meshgrid(np.geomspace(3e3, 1e6, 6), np.geomspace(5e4, 5e6, 5))
    rng = np.random.default_rng(0)
    L = truth.loss(N, D) * np.exp(rng.normal(0, 0.002, N.shape))     # 0.2 % noise
    got = scaling.fit(N.ravel(), D.ravel(), L.ravel())
    assert got.E == pytest.approx(truth.E, rel=0.05)
    assert got.alpha == pytest.approx(truth.alpha, abs=0.03)
    assert got.beta == pytest.approx(truth.beta, abs=0.03)
    assert np.allclose(got.loss(N, D), truth.loss(N, D), rtol=0.01)


@pytest.mark.parametrize("name", ["hoffmann", "epoch"])
@pytest.mark.parametrize("C", [1e18, 5.76e23])
def test_the_compute_optimal_split_is_the_minimum_along_6ND_equal_C(name, C):
    law = PUBLISHED[name]
    res = minimize_scalar(lambda logN: float(law.loss(math.exp(logN), C / 6 / math.exp(logN))),
                          bounds=(math.log(1e3), math.log(1e15)), method="bounded",
                          options={"xatol": 1e-8})
    N, D = law.optimal(C)
    assert math.log(N) == pytest.approx(res.x, abs=1e-3)
    assert 6 * N * D == pytest.approx(C)


def test_epoch_ai_finds_about_20_tokens_per_parameter():
    for C in (1e21, 1e23, 1e25):
        assert 15 < scaling.budget(PUBLISHED["epoch"], C)["tokens_per_param"] < 35


def test_smollm2_is_far_past_compute_optimal():
    s = scaling.smollm2(PUBLISHED["epoch"])
    assert s["tokens_per_param"] == pytest.approx(14_815, rel=0.001)
    assert s["optimal"]["N"] > 10 * scaling.SMOLLM2["N"]          # same compute: a bigger model
    assert s["optimal"]["loss"] < s["loss"]


def test_the_committed_sweep_is_large_enough_and_fits():
    sweep, law = scaling.sweep_and_fit()
    assert len(set(sweep.label)) >= 5 and len(set(sweep.D)) >= 4
    residual = np.abs(law.loss(sweep.N, sweep.D) - sweep.L)
    # one run per point: a run's own noise is a few hundredths of a nat
    assert residual.mean() < 0.05 and residual.max() < 0.15
    assert 0 < law.alpha < 2 and 0 < law.beta < 2
    # more parameters and more data both help, as the law says
    assert law.loss(sweep.N.max(), sweep.D.max()) < law.loss(sweep.N.min(), sweep.D.max())
    assert law.loss(sweep.N.max(), sweep.D.max()) < law.loss(sweep.N.max(), sweep.D.min())
