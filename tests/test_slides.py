"""The slides (004): the SSR line fit, its gradient-descent tables, the softplus net."""

import subprocess
import sys

import pytest
import sympy as sp

from derive.derivation import derive, on_data
from derive.models import get_model
from derive.train import run

# 004's tables: (step, a, difference = lr × derivative), transcribed from the slides
SLIDES = {
    0.01: [(1, -0.2568, -0.7432), (2, 0.2783, -0.5351), (3, 0.6636, -0.3853),
           (4, 0.941, -0.2774), (5, 1.1407, -0.1997), (6, 1.2845, -0.1438),
           (7, 1.388, -0.1035), (8, 1.4626, -0.0745), (9, 1.5163, -0.0537),
           (10, 1.5549, -0.0386)],
    0.025: [(1, 0.858, -1.858), (2, 1.4154, -0.5574), (3, 1.5826, -0.1672),
            (4, 1.6328, -0.0502), (5, 1.6478, -0.015), (6, 1.6524, -0.0045),
            (7, 1.6537, -0.0014), (8, 1.6541, -0.0004), (9, 1.6542, -0.0001),
            (10, 1.6543, None)],  # the slide's last difference is unreadable
    0.05: [(1, 2.716, -3.716), (2, 1.2296, 1.4864), (3, 1.8242, -0.5946),
           (4, 1.5863, 0.2378), (5, 1.6815, -0.0951), (6, 1.6434, 0.0381),
           (7, 1.6586, -0.0152), (8, 1.6525, 0.0061), (9, 1.655, -0.0024),
           (10, 1.654, 0.001)],
}


def test_ssr_derivative_is_the_slides():
    grads, minimiser = on_data(derive(get_model("ssr-line")), "slides")
    a = sp.Symbol("a")
    assert grads["a"] == 28 * a - sp.Rational("46.32")
    assert minimiser == {"a": sp.Rational(4632, 2800)}
    assert round(float(minimiser["a"]), 3) == 1.654


def cli(*args):
    return subprocess.run([sys.executable, "-m", "derive", *args], capture_output=True,
                          text=True, timeout=300)


def test_show_prints_the_slides_derivative():
    out = cli("show", "ssr-line")
    assert r"\pd[a] \mathrm{SSR} &= 28 a - 46.32 && \text{on the slides data} \\" in out.stdout
    assert r"a^{*} &= 1.6543" in out.stdout


@pytest.mark.parametrize("lr", sorted(SLIDES))
def test_gradient_descent_tables_match_the_slides(lr):
    out = cli("train", "ssr-line", "--optimizer", "gd", "--lr", str(lr), "--epochs", "10",
              "--init", "-1", "--table")
    assert out.returncode == 0, out.stderr
    rows = [line.split() for line in out.stdout.splitlines()[1:11]]
    for (step, a, diff), row in zip(SLIDES[lr], rows):
        assert int(row[0]) == step
        assert float(row[1]) == pytest.approx(a, abs=1.01e-4), (lr, step)
        if diff is not None:
            assert float(row[3]) == pytest.approx(diff, abs=1.01e-4), (lr, step)
            # the derivative column is the slides' 28a − 46.32 at the previous a
            assert float(row[2]) == pytest.approx(diff / lr, abs=0.02)


def test_a_rate_past_the_bound_is_refused():
    out = cli("train", "ssr-line", "--optimizer", "gd", "--lr", "0.075", "--epochs", "10",
              "--init", "-1", "--table")
    assert out.returncode == 2
    assert out.stderr == ("derive: lr = 0.075 diverges: the cost is quadratic in a with "
                          "curvature L = 28, and gradient descent is stable only for "
                          "lr < 2/L = 0.07143\n")


def test_softplus_network_has_seven_partials_and_fits():
    derivs = derive(get_model("softplus"))
    assert list(derivs.gradients) == ["w1", "b1", "w2", "b2", "w3", "w4", "b3"]
    assert "softplus rule: softplus' = σ" in derivs["w1"].rules
    result = run("softplus", optimizer="adam", lr=0.05, epochs=4000, seed=0)
    assert result.cost < 1e-3
