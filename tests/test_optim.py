"""Each optimiser against two steps computed by hand; all of them descend."""

import math

import numpy as np
import pytest

from derive.errors import DeriveError
from derive.optim import OPTIMIZERS, make, penalty

NAMES = ["gd", "sgd", "minibatch", "momentum", "adagrad", "rmsprop", "adam"]
EPS = 1e-8

# Two steps from θ = 1 with lr = 0.1 and the gradients g₁ = 2, then g₂ = 1,
# worked out by hand from each method's update rule (default hyper-parameters).
HAND = {
    # θ − lr·g: 1 − 0.2 = 0.8; 0.8 − 0.1 = 0.7
    "gd": (0.8, 0.7),
    "sgd": (0.8, 0.7),
    "minibatch": (0.8, 0.7),
    # v₁ = 2, θ₁ = 1 − 0.2; v₂ = 0.9·2 + 1 = 2.8, θ₂ = 0.8 − 0.28
    "momentum": (0.8, 0.52),
    # G₁ = 4, θ₁ = 1 − 0.1·2/(2 + ε); G₂ = 5, θ₂ = θ₁ − 0.1·1/(√5 + ε)
    "adagrad": (1 - 0.2 / (2 + EPS), 1 - 0.2 / (2 + EPS) - 0.1 / (math.sqrt(5) + EPS)),
    # s₁ = 0.1·4 = 0.4, θ₁ = 1 − 0.2/(√0.4 + ε); s₂ = 0.9·0.4 + 0.1·1 = 0.46
    "rmsprop": (1 - 0.2 / (math.sqrt(0.4) + EPS),
                1 - 0.2 / (math.sqrt(0.4) + EPS) - 0.1 / (math.sqrt(0.46) + EPS)),
    # m₁ = 0.2, v₁ = 0.004, m̂ = 2, v̂ = 4: θ₁ = 1 − 0.1·2/(2 + ε);
    # m₂ = 0.9·0.2 + 0.1·1 = 0.28, v₂ = 0.999·0.004 + 0.001·1 = 0.004996,
    # m̂ = 0.28/0.19, v̂ = 0.004996/0.001999
    "adam": (1 - 0.2 / (2 + EPS),
             1 - 0.2 / (2 + EPS) - 0.1 * (0.28 / 0.19) / (math.sqrt(0.004996 / 0.001999) + EPS)),
}


def test_registry_holds_the_family():
    assert list(OPTIMIZERS) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_two_steps_by_hand(name):
    opt = make(name, 0.1)
    first = opt.step({"w": 1.0}, {"w": 2.0})
    second = opt.step(first, {"w": 1.0})
    assert isinstance(first["w"], float) and isinstance(second["w"], float)
    assert first["w"] == pytest.approx(HAND[name][0], rel=1e-12, abs=0)
    assert second["w"] == pytest.approx(HAND[name][1], rel=1e-12, abs=0)


def test_adam_and_rmsprop_by_hand_in_decimals():
    """The same hand computations, as the decimals a person gets on paper."""
    adam, rms = make("adam", 0.1), make("rmsprop", 0.1)
    th_a, th_r = {"w": 1.0}, {"w": 1.0}
    for g in (2.0, 1.0):
        th_a, th_r = adam.step(th_a, {"w": g}), rms.step(th_r, {"w": g})
    assert th_a["w"] == pytest.approx(0.806783, abs=1e-6)
    assert th_r["w"] == pytest.approx(0.536330, abs=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_arrays_update_element_wise_and_inputs_stay_untouched(name):
    theta = {"W": np.array([[1.0, -1.0], [0.5, 2.0]]), "b": 1.0}
    grads = {"W": np.full((2, 2), 2.0), "b": 2.0}
    keep = {k: np.copy(v) for k, v in theta.items()}
    keep_g = {k: np.copy(v) for k, v in grads.items()}
    opt = make(name, 0.1)
    out = opt.step(theta, grads)
    out2 = opt.step(out, {"W": np.ones((2, 2)), "b": 1.0})
    for k in theta:
        np.testing.assert_array_equal(theta[k], keep[k])
        np.testing.assert_array_equal(grads[k], keep_g[k])
    # every entry moved as the scalar case moves, from its own start
    shift1, shift2 = 1.0 - HAND[name][0], HAND[name][0] - HAND[name][1]
    np.testing.assert_allclose(out2["W"], keep["W"] - shift1 - shift2, rtol=1e-12)
    assert out2["b"] == pytest.approx(HAND[name][1], rel=1e-12)
    assert isinstance(out2["b"], float)


def test_state_is_per_optimiser():
    a, b = make("momentum", 0.1), make("momentum", 0.1)
    a.step({"w": 1.0}, {"w": 2.0})
    assert b.step({"w": 1.0}, {"w": 2.0})["w"] == pytest.approx(0.8)


def test_penalties_by_hand():
    # g' = g + l1·sign(θ) + 2·l2·θ with l1 = 0.5, l2 = 0.25:
    # step 1: 2 + 0.5 + 0.5·1 = 3, θ₁ = 1 − 0.3 = 0.7
    # step 2: 1 + 0.5 + 0.5·0.7 = 1.85, θ₂ = 0.7 − 0.185 = 0.515
    opt = make("gd", 0.1, l1=0.5, l2=0.25)
    th = opt.step({"w": 1.0}, {"w": 2.0})
    assert th["w"] == pytest.approx(0.7, rel=1e-12)
    assert opt.step(th, {"w": 1.0})["w"] == pytest.approx(0.515, rel=1e-12)
    # sign(0) = 0: L1 leaves a zero weight where its gradient leaves it
    out = make("gd", 0.1, l1=1.0).step({"W": np.array([1.0, -2.0, 0.0])},
                                       {"W": np.zeros(3)})
    np.testing.assert_allclose(out["W"], [0.9, -1.9, 0.0])


def test_penalty_is_l1_abs_plus_l2_squares():
    theta = {"w": -2.0, "W": np.array([1.0, 3.0])}
    assert penalty(theta, 0.5, 0.25) == pytest.approx(0.5 * 6 + 0.25 * 14)
    assert penalty(theta) == 0.0


@pytest.mark.parametrize("name", NAMES)
def test_every_optimiser_descends_a_quadratic(name):
    # f(θ) = Σ (θ − c)², ∇f = 2(θ − c), on a float and an array parameter
    c = np.array([3.0, -1.0, 0.5])
    f = lambda th: float(np.sum((th["v"] - c) ** 2) + (th["s"] - 2.0) ** 2)  # noqa: E731
    theta = {"v": np.zeros(3), "s": -1.0}
    start = f(theta)
    # Adagrad's steps shrink like lr/√t, so it gets a larger lr
    opt = make(name, 1.0 if name == "adagrad" else 0.05)
    for _ in range(300):
        theta = opt.step(theta, {"v": 2 * (theta["v"] - c), "s": 2 * (theta["s"] - 2.0)})
    assert f(theta) < 1e-2 * start


def test_unknown_optimiser_lists_the_known_ones():
    with pytest.raises(DeriveError, match="unknown optimizer 'lbfgs'.*gd, sgd, minibatch, "
                                          "momentum, adagrad, rmsprop, adam"):
        make("lbfgs", 0.1)


@pytest.mark.parametrize("name, kwargs, flag", [
    ("gd", {"lr": 0}, "--lr must be > 0, got 0"),
    ("adam", {"lr": -1}, "--lr must be > 0, got -1"),
    ("gd", {"lr": float("nan")}, "--lr"),
    ("gd", {"lr": 0.1, "l1": -1}, "--l1 must be >= 0"),
    ("gd", {"lr": 0.1, "l2": -0.5}, "--l2 must be >= 0"),
    ("momentum", {"lr": 0.1, "momentum": 1.0}, "--momentum must be >= 0 and < 1"),
    ("adam", {"lr": 0.1, "beta2": 1.5}, "--beta2"),
    ("rmsprop", {"lr": 0.1, "eps": 0}, "--eps must be > 0"),
    ("adam", {"lr": 0.1, "momentum": 0.9}, "unknown hyper-parameter 'momentum'.*beta1"),
    ("minibatch", {"lr": 0.1, "batch_size": 0}, "--batch-size"),
    ("gd", {"lr": 0.1, "batch_size": 2}, "--batch-size does not apply to gd"),
    ("sgd", {"lr": 0.1, "batch_size": 2}, "--batch-size must be 1 for sgd"),
])
def test_bad_hyper_parameters_are_named(name, kwargs, flag):
    lr = kwargs.pop("lr")
    with pytest.raises(DeriveError, match=flag):
        make(name, lr, **kwargs)


def test_batch_sizes():
    assert make("gd", 0.1).batch(10) == 10
    assert make("sgd", 0.1).batch(10) == 1
    assert make("minibatch", 0.1).batch(10) == 10
    assert make("minibatch", 0.1).batch(100) == 32
    assert make("minibatch", 0.1, batch_size=4).batch(100) == 4
    assert make("adam", 0.1).batch(100) == 100
    assert make("adam", 0.1, batch_size=8).batch(100) == 8
