"""codegen, gradcheck and train through a real subprocess."""

import json
import subprocess
import sys

import pytest


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "derive", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=600)


def test_codegen_writes_a_trainer_that_runs(tmp_path):
    out = run("codegen", "neuron", "-o", str(tmp_path / "trainer.py"))
    assert out.returncode == 0, out.stderr
    script = ("import numpy, trainer as t; d = {'x': numpy.array([0., 0, 1, 1]),"
              " 'y': numpy.array([0., 1, 0, 1]), 'z': numpy.array([1., 1, 1, 0])};"
              " th = t.train({'w1': 0., 'w2': 0., 'b': 0.}, d, 1.0, 5000);"
              " print(round(t.cost(th, d), 4) < 0.01, sorted(t.grad(th, d)))")
    ran = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                         text=True, timeout=300)
    assert ran.stdout.strip() == "True ['b', 'w1', 'w2']", ran.stderr


def test_train_json_and_save(tmp_path):
    out = run("train", "neuron", "--data", "nand", "--epochs", "4000", "--lr", "1",
              "--json", "--save", str(tmp_path / "p.json"))
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["model"] == "neuron" and summary["epochs_run"] == 4000
    assert summary["cost"] < 0.01
    saved = json.loads((tmp_path / "p.json").read_text())
    assert set(saved["params"]) == {"w1", "w2", "b"}
    check = run("gradcheck", "neuron", "--at", str(tmp_path / "p.json"))
    assert check.returncode == 0 and check.stdout.endswith("gradient check passed\n")


@pytest.mark.parametrize("args, message", [
    (["train", "twice", "--lr", "1"], "lr < 2/L = 0.1667"),
    (["train", "neuron", "--optimizer", "newton"], "unknown optimizer 'newton'"),
    (["train", "neuron", "--data", "parity"], "unknown data set 'parity'"),
    (["train", "neuron", "--lr", "0"], "--lr must be > 0, got 0"),
    (["train", "neuron", "--epochs", "0"], "--epochs must be"),
    (["train", "neuron", "--optimizer", "minibatch", "--batch-size", "9"],
     "--batch-size must be at most the number of samples (4), got 9"),
    (["train", "neuron", "--epochs", "5", "--save", "/no/such/dir/p.json"],
     "cannot write /no/such/dir/p.json"),
    (["codegen", "neuron", "--backend", "torch"], "invalid choice: 'torch'"),
])
def test_bad_training_input_is_one_line_exit_2(args, message):
    out = run(*args)
    assert out.returncode == 2, out.stderr
    assert out.stderr.count("\n") == 1 and message in out.stderr
    assert "Traceback" not in out.stderr
