"""The CLI through main([...]) and through a real subprocess."""

import json
import subprocess
import sys

import pytest
import sympy as sp

from derive.cli import main
from derive.functions import sigmoid


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "derive", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300)


def test_models_lists_one_line_each(capsys):
    assert main(["models"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == [
        "twice", "neuron", "chain2", "ssr-line", "softplus", "chain:M", "mlp:N0,...,NL",
        "ad-example"]


def test_show_prints_final_gradients(capsys):
    assert main(["show", "neuron", "--wrt", "w1"]) == 0
    assert capsys.readouterr().out == (
        "\\begin{align}\n"
        "\\pd[w_1] C &= \\avgsum[i, n] 2(a_i - z_i) a_i (1 - a_i) x_i\n"
        "\\end{align}\n")


def test_show_leibniz_with_macros_ignored(capsys):
    assert main(["show", "twice", "--style", "leibniz"]) == 0
    assert "\\frac{\\partial C}{\\partial w} &= \\frac{1}{n} \\sum_{i=1}^{n} 2(x_i w - y_i) x_i" \
        in capsys.readouterr().out


def test_show_json_reads_back_with_sympify(capsys):
    assert main(["show", "neuron", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["model"] == "neuron"
    assert data["params"] == ["w1", "w2", "b"] and data["data"] == ["x", "y", "z"]
    assert data["cost"]["latex"] == r"C = \avgsum[i, n] (a_i - z_i)^2"
    names = {p: sp.Symbol(p) for p in data["params"]}
    names.update({d: sp.IndexedBase(d) for d in data["data"]})
    names["sigmoid"] = sigmoid
    cost = sp.sympify(data["cost"]["sympy"], locals=names)
    for p in data["params"]:
        g = data["gradients"][p]
        assert g["steps"][-1]["rule"].startswith("linearity")
        assert g["latex"].startswith(r"\pd[")
        ours = sp.sympify(g["sympy"], locals=names)
        truth = sp.diff(cost, names[p])
        point = {names[q]: sp.Rational(k + 1, 3) for k, q in enumerate(data["params"])}
        n = sp.Symbol("n")
        a = ours.subs(n, 2).doit().subs(point)
        b = truth.subs(n, 2).doit().subs(point)
        for d in data["data"]:
            for k in (1, 2):
                a = a.subs(names[d][k], sp.Rational(k, 5))
                b = b.subs(names[d][k], sp.Rational(k, 5))
        assert abs(float((a - b).rewrite(sp.exp).evalf(30))) < 1e-20


def test_show_writes_atomically(tmp_path, capsys):
    out = tmp_path / "g.tex"
    assert main(["show", "chain2", "--steps", "-o", str(out)]) == 0
    assert out.read_text().startswith("\\begin{align}\n\\pd[w^{(1)}] C &=")
    assert [p.name for p in tmp_path.iterdir()] == ["g.tex"]


@pytest.mark.parametrize("args, message", [
    (["show", "nope"], "derive: unknown model 'nope'; known models: twice, neuron, chain2, ssr-line, softplus, chain:M, mlp:N0,...,NL"),
    (["show", "chain:0"], "derive: chain:0: the number of layers must be at least 1"),
    (["show", "chain:x"], "derive: 'chain:x': chain:M needs a whole number of layers M ≥ 1, got 'x'"),
    (["show", "neuron", "--wrt", "w3"],
     "derive: model 'neuron' has no parameter 'w3'; its parameters are w1, w2, b"),
    (["show"], "derive: no model given; known models: twice, neuron, chain2, ssr-line, softplus, chain:M, mlp:N0,...,NL"),
    (["show", "neuron", "-o", "/no/such/dir/out.tex"],
     "derive: cannot write /no/such/dir/out.tex: folder /no/such/dir does not exist"),
    (["show", "neuron", "--style", "fancy"],
     "derive: argument --style: invalid choice: 'fancy' (choose from 'grad', 'leibniz', "
     "'expanded') (see 'derive show --help')"),
    (["frobnicate"], None),
])
def test_bad_input_is_one_line_and_exit_2(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    if message:
        assert err == message + "\n"


def test_subprocess_show_and_errors(tmp_path):
    ok = run("show", "neuron", "--wrt", "b")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.splitlines()[1] == r"\pd[b] C &= \avgsum[i, n] 2(a_i - z_i) a_i (1 - a_i)"
    bad = run("show", "chain:0")
    assert bad.returncode == 2
    assert bad.stderr == "derive: chain:0: the number of layers must be at least 1\n"
    assert bad.stdout == ""


def test_console_script_is_installed():
    import shutil
    exe = shutil.which("derive")
    if exe is None:
        pytest.skip("package not installed with its console script")
    out = subprocess.run([exe, "models"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.startswith("twice")
