"""Tests for derive.modelfile: the safe expression reader and the TOML model file."""

from __future__ import annotations

import builtins
import os
import re
from pathlib import Path
from unittest import mock

import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

from derive.errors import ModelError, ModelFileError
from derive.functions import sigmoid
from derive.modelfile import Scope, build_model, load_model_file, parse_expression
from derive.models import chain, i, n, neuron

NEURON = '''\
name = "my-neuron"
description = "one neuron"
params = ["w1", "w2", "b"]
data = ["x", "y", "z"]
cost = "mean((a - z)**2)"

[latex]
w1 = "w_1"

[intermediates]
a = "sigmoid(x*w1 + y*w2 + b)"

[datasets.nand]
x = [0, 0, 1, 1]
y = [0, 1, 0, 1]
z = [1, 1, 1, 0]
'''

x, y = sp.IndexedBase("x"), sp.IndexedBase("y")


def write(tmp_path, text, name="model.toml") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def file_error(tmp_path, text, name="model.toml") -> tuple[ModelFileError, str]:
    """The error loading ``text`` raises, and the file's name (for ``where``)."""
    path = write(tmp_path, text, name)
    with pytest.raises(ModelFileError) as info:
        load_model_file(path)
    return info.value, str(path)


def expr_error(text, scope=None, **kwargs) -> ModelFileError:
    scope = scope or Scope(["w", "b"], ["x", "y"])
    with pytest.raises(ModelFileError) as info:
        parse_expression(text, scope, **kwargs)
    return info.value


# -- a file gives the model it describes -----------------------------------------

def test_neuron_file_is_the_builtin_neuron(tmp_path):
    m = load_model_file(write(tmp_path, NEURON))
    ref = neuron()
    assert m.flat_cost() == ref.flat_cost()
    assert m.cost == ref.cost and m.intermediates == ref.intermediates
    assert m.params == ref.params and m.data == ref.data
    assert m.datasets == {"nand": ref.datasets["nand"]}
    assert (m.name, m.description, m.latex("w1")) == ("my-neuron", "one neuron", "w_1")


def test_array_of_tables_and_default_name(tmp_path):
    text = NEURON.replace('name = "my-neuron"\n', "").replace(
        '[intermediates]\na = "sigmoid(x*w1 + y*w2 + b)"',
        '[[intermediates]]\nname = "a"\nexpr = "sigmoid(x*w1 + y*w2 + b)"')
    m = load_model_file(write(tmp_path, text, "gate.toml"))
    assert m.name == "gate"
    assert m.flat_cost() == neuron().flat_cost()


def test_scalar_and_per_sample_intermediates(tmp_path):
    m = load_model_file(write(tmp_path, '''\
params = ["w", "b"]
data = ["x", "y"]
cost = "mean((h - y)**2) + lam"
[intermediates]
s = "w*b"
xbar = "mean(x)"
h = "s*(x - xbar)"
lam = "w**2/2"
'''))
    s, xbar, lam, h = sp.Symbol("s"), sp.Symbol("xbar"), sp.Symbol("lam"), sp.IndexedBase("h")
    assert [t for t, _ in m.intermediates] == [s, xbar, h[i], lam]
    assert m.definitions[xbar] == sp.Sum(x[i], (i, 1, n)) / n
    w, b_ = sp.symbols("w b")
    expected = (sp.Sum((w * b_ * (x[i] - sp.Sum(x[i], (i, 1, n)) / n) - y[i]) ** 2, (i, 1, n)) / n
                + w ** 2 / 2)
    assert m.flat_cost() == expected


def test_sum_is_n_times_mean():
    common = dict(params=["w"], data=["x", "y"], intermediates={})
    m_sum = build_model("s", cost="sum((x*w - y)**2)", **common)
    m_mean = build_model("m", cost="mean((x*w - y)**2)", **common)
    body = (x[i] * sp.Symbol("w") - y[i]) ** 2
    assert m_sum.cost == sp.Sum(body, (i, 1, n))
    assert m_mean.cost == sp.Sum(body, (i, 1, n)) / n
    assert m_sum.cost != m_mean.cost


def test_build_model_matches_chain2_with_glyphs():
    m = build_model("c2", ["w1", "b1", "w2", "b2"], ["x", "y"],
                    [("a1", "sigmoid(x*w1 + b1)"), ("a2", "sigmoid(a1*w2 + b2)")],
                    "mean((a2 - y)**2)", latex={"w1": "w^{(1)}", "a2": "a^{(2)}"})
    assert m.flat_cost() == chain(2).flat_cost()
    assert m.latex("w1") == "w^{(1)}" and m.latex("a2", "i") == "a_i^{(2)}"


def test_decimals_are_exact_rationals():
    e = parse_expression("0.5*w + 1e-3 - 2", Scope(["w"]))
    assert e == sp.Rational(1, 2) * sp.Symbol("w") + sp.Rational(1, 1000) - 2
    assert not e.atoms(sp.Float)


def test_functions_and_sqrt():
    e = parse_expression("sigmoid(w) + sqrt(w) + tanh(-w) + log(exp(+w))", Scope(["w"]))
    w = sp.Symbol("w")
    assert e == sigmoid(w) + sp.sqrt(w) + sp.tanh(-w) + sp.log(sp.exp(w))


def test_file_model_derives(tmp_path):
    from derive.derivation import derive
    derivs = derive(load_model_file(write(tmp_path, NEURON)))
    assert derivs is not None


# -- expression errors: what and where ----------------------------------------------

@pytest.mark.parametrize("text, col, message", [
    ("x ^ 2", 3, "write powers as '**'"),
    ("w + 'a'", 5, "a string is not allowed"),
    ("w.real", 1, "attribute access is not allowed"),
    ("x[0]", 1, "indexing with [...] is not allowed"),
    ("lambda: w", 1, "lambda is not allowed"),
    ("[w for w in x]", 1, "a comprehension is not allowed"),
    ("w < 1", 1, "a comparison is not allowed"),
    ("w % 2", 3, "'%' is not allowed"),
    ("b + q", 5, "unknown name 'q'; known names: w, b, x, y"),
    ("foo(w)", 1, "unknown function 'foo'; functions: sigmoid"),
    ("w(x + 1)", 1, "parameter 'w' is not a function"),
    ("2(x)", 1, "only named functions can be called"),
    ("sigmoid(w, b)", 1, "sigmoid() takes exactly one argument, got 2"),
    ("exp(w, base=2)", 8, "exp() takes no keyword arguments"),
    ("sigmoid + 1", 1, "function 'sigmoid' must be called"),
    ("mean(mean(x))", 6, "reductions cannot be nested"),
    ("mean(w)", 1, "does not vary over the samples"),
    ("w / (b - b)", 1, "undefined"),
    ("log(-1)", 1, "not a real number"),
    ("2**100000", 2, "too large"),
    ("1j * w", 1, "a complex number is not allowed"),
    ("w +", 4, "invalid expression"),
    ("not w", 1, "'not' is not allowed"),
    ("True", 1, "True is not allowed"),
    ("", 1, "empty"),
])
def test_expression_errors(text, col, message):
    e = expr_error(text, file="m.toml", line=7, column=10)
    assert e.where == f"m.toml:7:{9 + col}"
    assert message in e.message


def test_error_columns_count_characters_and_lines():
    # é is two bytes in UTF-8 but one column; leading blanks shift the start
    e = expr_error("  ｗ + q", file="f", line=2, column=5)  # ｗ is read as w (NFKC)
    assert e.where == "f:2:11" and "unknown name 'q'" in e.message
    e = expr_error("(w +\n   é)", file="f", line=2, column=5)
    assert e.where == "f:3:4"
    assert expr_error("w + q").where == "1:5"


def test_data_outside_reduction_in_the_cost():
    e = expr_error("mean(x*w) + x", cost=True)
    assert e.where == "1:13"
    assert e.message == "data column 'x' used outside mean()/sum() in the cost"
    scope = Scope(["w"], ["x"])
    scope.define("a", parse_expression("x*w", scope))
    e = expr_error("mean(a) + a**2", scope, cost=True)
    assert e.where == "1:11" and "per-sample intermediate 'a' used outside" in e.message
    # the same outside the cost is a per-sample definition, not an error
    assert parse_expression("mean(x*w) + x", Scope(["w"], ["x"])).has(x[i])


def test_mean_of_a_parameter_is_refused():
    # mean(w) would silently equal w: almost certainly a mistake in the file
    e = expr_error("mean(w)")
    assert e.where == "1:1" and "mean() of an expression without data" in e.message
    e = expr_error("b + sum(w**2)")
    assert e.where == "1:5" and "sum() of an expression without data" in e.message


# -- no eval, ever -----------------------------------------------------------------

def _forbidden(*args, **kwargs):
    raise AssertionError("a user string reached eval/exec")


def test_import_os_system_is_rejected_without_running(tmp_path):
    marker = tmp_path / "pwned"
    attacks = [f"__import__('os').system('touch {marker}')",
               f"__import__('pathlib').Path('{marker}').touch()",
               "().__class__.__bases__[0].__subclasses__()",
               "exec('import os')", "eval('1')", "__import__('os')"]
    with mock.patch.object(os, "system", side_effect=_forbidden) as system, \
            mock.patch.object(builtins, "eval", side_effect=_forbidden), \
            mock.patch.object(builtins, "exec", side_effect=_forbidden):
        for text in attacks:
            e = expr_error(text)
            assert "attribute access" in e.message or "unknown function" in e.message, e
    assert not system.called and not marker.exists()
    assert expr_error(attacks[0]).where == "1:1"


def test_module_never_calls_eval_on_user_text():
    source = (Path(__file__).parents[1] / "derive" / "modelfile.py").read_text()
    code = re.sub(r'""".*?"""|#.*', "", source, flags=re.S)  # docstrings/comments may name them
    banned = re.compile(r"(?<![\w.])(eval|exec|compile)\(|(?<!\w)(sympify|S)\(|\bparse_expr\b")
    assert not banned.search(code), banned.search(code)
    assert banned.search("x = sp.sympify(text)") and banned.search("eval(t)")


EXPRESSIONS = st.text(alphabet="xwb()+-*/^%.,0123456789e jm[]'_=<:;sumeanigdlorq\n", max_size=40)


@settings(max_examples=400, deadline=None)
@given(st.one_of(EXPRESSIONS, st.text(max_size=30)))
def test_random_text_gives_an_expression_or_a_model_file_error(text):
    with mock.patch.object(builtins, "eval", side_effect=_forbidden), \
            mock.patch.object(builtins, "exec", side_effect=_forbidden):
        try:
            result = parse_expression(text, Scope(["w", "b"], ["x"]), file="f", line=3, column=9)
        except ModelFileError as e:
            assert re.fullmatch(r"f:\d+:\d+", e.where), e.where
            return
    assert isinstance(result, sp.Expr)
    assert result.free_symbols <= {sp.Symbol("w"), sp.Symbol("b"), x.label, x[i], i, n}


# -- file errors: what and exactly where -----------------------------------------------

def test_byte_order_mark_is_accepted(tmp_path):
    m = load_model_file(write(tmp_path, "\ufeff" + NEURON))
    assert m.flat_cost() == neuron().flat_cost()


@settings(max_examples=150, deadline=None)
@given(st.integers(0, len(NEURON) - 1), st.integers(0, 4),
       st.text(alphabet="[]{}\"'=.,\n #abxz09()*^-", max_size=5))
def test_damaged_files_give_a_model_or_a_located_error(tmp_path_factory, pos, cut, insert):
    path = tmp_path_factory.mktemp("fuzz") / "m.toml"
    path.write_text(NEURON[:pos] + insert + NEURON[pos + cut:])
    try:
        load_model_file(path)
    except ModelFileError as e:
        assert re.fullmatch(re.escape(str(path)) + r"(:\d+:\d+)?", e.where), e.where


def test_missing_file(tmp_path):
    path = tmp_path / "nope.toml"
    with pytest.raises(ModelFileError, match="not found") as info:
        load_model_file(path)
    assert info.value.where == str(path)


def test_not_utf8(tmp_path):
    e, f = file_error(tmp_path, b'params = ["w"]\ncost = "w\xff"\n')
    assert e.where == f"{f}:2:10" and "not UTF-8" in e.message


def test_toml_syntax_error(tmp_path):
    e, f = file_error(tmp_path, 'params = ["w"]\ncost = = "w"\n')
    assert e.where == f"{f}:2:8" and e.message == "invalid TOML: Invalid value"
    e, f = file_error(tmp_path, 'params = ["w"]\nparams = ["b"]\n')
    assert e.where == f"{f}:2:15" and e.message == "invalid TOML: Cannot overwrite a value"
    e, f = file_error(tmp_path, 'params = ["w"]\ncost = "w')
    assert e.where == f and e.message == "invalid TOML: Unterminated string"


@pytest.mark.parametrize("missing", ["params", "cost"])
def test_missing_required_key(tmp_path, missing):
    text = "\n".join(line for line in NEURON.splitlines() if not line.startswith(missing))
    e, f = file_error(tmp_path, text)
    assert e.where == f and e.message == f"missing required key {missing!r}"


@pytest.mark.parametrize("row, line, where, message", [
    (3, 'params = "w1"', "3:10", "params must be a list of names"),
    (3, 'params = ["w1", 2]', "3:10", "params must be a list of names"),
    (3, "params = []", "3:10", "at least one parameter"),
    (3, 'params = ["w1", "w2", "b", "x"]', "4:8",
     "the name 'x' is used twice (parameter and data column)"),
    (3, 'params = ["w1", "w2", "i"]', "3:10", "'i' is reserved"),
    (5, "cost = 3", "5:8", "cost must be an expression string"),
    (1, 'name = ""', "1:8", "name must be a non-empty string"),
    (5, "cost = 'mean((a - z)^2)'", "5:21", "write powers as '**'"),
    (5, 'cost = "(a - z)**2"', "5:10", "per-sample intermediate 'a' used outside"),
    (5, 'cost = "mean(a) - z"', "5:19", "data column 'z' used outside mean()/sum() in the cost"),
    (11, 'a = "sigmoid(x*w1 + y*w2 + c)"', "11:28", "unknown name 'c'"),
    (11, 'a = "sigmoid(x*w1 + y*w2 + a)"', "11:28", "unknown name 'a'"),
    (11, "a = 1", "11:5", "intermediate 'a' must be an expression string"),
    (11, 'i = "x*w1"', "11:1", "intermediate 'i' is reserved"),
    (11, 'w2 = "x*w1"', "11:1", "the name 'w2' is used twice (parameter and intermediate)"),
    (8, 'w1 = "w^{(1)"', "8:6", "cannot read 'w^{(1)' as a name"),
    (8, 'q = "q_1"', "8:1", "latex given for unknown name 'q'"),
    (16, "z = [1, 1, 0]", "16:5", "column 'z' has 3 values but 'x' has 4"),
    (16, 'z = [1, 1, 1, "0"]', "16:5", "value 4 ('0') is not a finite number"),
    (16, "z = [1, 1, 1, true]", "16:5", "value 4 (True) is not a finite number"),
    (16, "z = [1, 1, 1, nan]", "16:5", "not a finite number"),
    (16, "z = []", "16:5", "expected a non-empty list of numbers"),
])
def test_file_errors_name_the_place(tmp_path, row, line, where, message):
    lines = NEURON.splitlines()
    lines[row - 1] = line
    e, f = file_error(tmp_path, "\n".join(lines) + "\n")
    assert e.where == f"{f}:{where}"
    assert message in e.message


def test_unknown_keys_are_listed(tmp_path):
    e, f = file_error(tmp_path, NEURON.replace("params =", "parms ="))
    assert e.where == f"{f}:3:1"
    assert "unknown key 'parms'; allowed keys: name, description, params" in e.message
    e, f = file_error(tmp_path, NEURON.replace("[latex]", "[glyphs]"))
    assert e.where == f"{f}:7:2" and "unknown key 'glyphs'" in e.message


def test_dataset_columns_must_be_data_columns(tmp_path):
    e, f = file_error(tmp_path, NEURON + "q = [1, 2, 3, 4]\n")
    assert e.where == f"{f}:17:1"
    assert "'q' is not a data column; data columns: x, y, z" in e.message
    e, f = file_error(tmp_path, NEURON.replace("z = [1, 1, 1, 0]\n", ""))
    assert e.where == f"{f}:13:2" and "data set 'nand' has no column 'z'" in e.message


def test_multiline_and_inline_expressions(tmp_path):
    text = NEURON.replace('a = "sigmoid(x*w1 + y*w2 + b)"',
                          'a = """\n(sigmoid(x*w1 +\n  y*w2 + c))"""')
    e, f = file_error(tmp_path, text)
    assert e.where == f"{f}:13:10" and "unknown name 'c'" in e.message
    text = NEURON.replace('[intermediates]\na = "sigmoid(x*w1 + y*w2 + b)"\n', "").replace(
        "\n\n[latex]", '\nintermediates = { a = "sigmoid(x*w1 + y*w2 + q)" }\n[latex]')
    e, f = file_error(tmp_path, text)
    assert e.where == f"{f}:6:46" and "unknown name 'q'" in e.message


def test_array_of_tables_errors(tmp_path):
    text = NEURON.replace('[intermediates]\na = "sigmoid(x*w1 + y*w2 + b)"',
                          '[[intermediates]]\nname = "a"\nexpr = "sigmoid(x*w1 + y*w2 + b)"\n'
                          '[[intermediates]]\nname = "h"\nexpr = "a + q"')
    e, f = file_error(tmp_path, text)
    assert e.where == f"{f}:15:13" and "unknown name 'q'" in e.message
    text = text.replace('name = "h"', 'nom = "h"')
    e, f = file_error(tmp_path, text)
    assert e.where == f"{f}:13:3" and "exactly the keys name and expr" in e.message


def test_model_errors_name_the_file(tmp_path):
    # the cost never reaches b: Model's own check, re-raised against the file
    e, f = file_error(tmp_path, NEURON.replace("+ b)", ")"))
    assert e.where == f and "does not depend on parameter 'b'" in e.message


def test_cli_prints_one_line_and_exits_2(tmp_path, capsys):
    from derive.cli import main
    path = write(tmp_path, NEURON.replace("(a - z)**2", "(a - z)^2"))
    assert main(["show", "--model-file", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == (f"derive: {path}:5:21: '^' (write powers as '**') is not allowed "
                   "in an expression\n")


# -- the Python API ------------------------------------------------------------------

def test_build_model_errors():
    with pytest.raises(ModelFileError) as info:
        build_model("m", ["w"], ["x"], {}, "mean(x*w) + q")
    assert info.value.where == "<cost>:1:13"
    with pytest.raises(ModelFileError) as info:
        build_model("m", ["w"], ["x"], [("a", "x*w +")], "mean(a)")
    assert info.value.where == "<intermediate a>:1:6"
    with pytest.raises(ModelError, match="'n' is reserved"):
        build_model("m", ["w", "n"], [], {}, "w")
    with pytest.raises(ModelError, match="does not depend on parameter 'b'") as info:
        build_model("m", ["w", "b"], [], {}, "w**2")
    assert not isinstance(info.value, ModelFileError)
    with pytest.raises(ModelError, match="column 'y' has 1 values but 'x' has 2"):
        build_model("m", ["w"], ["x", "y"], {}, "mean((x*w - y)**2)",
                    datasets={"d": {"x": [1, 2], "y": [3]}})
