import pytest

from derive.errors import ModelError
from derive.notation import Glyph, NotationTable, check_identifier, default_glyph, parse_glyph


@pytest.mark.parametrize("name, tex", [
    ("w1", "w_1"), ("w12", "w_{12}"), ("b", "b"), ("alpha", r"\alpha"),
    ("x_hat", r"x_{hat}"), ("loss", r"\mathrm{loss}")])
def test_default_glyphs(name, tex):
    assert default_glyph(name).render() == tex


def test_layer_glyph_puts_sample_index_before_layer():
    assert Glyph("a", sup="(2)").render("i") == "a_i^{(2)}"
    assert Glyph("w", sub="1").render("i") == "w_{1,i}"


@pytest.mark.parametrize("tex", ["w_1", "w^{(2)}", r"\delta^{(l)}", "a_{12}^{(3)}", "b"])
def test_parse_glyph_round_trips(tex):
    assert parse_glyph(tex).render() == tex


def test_parse_glyph_rejects_garbage():
    with pytest.raises(ModelError, match="cannot read"):
        parse_glyph("w + 1")


@pytest.mark.parametrize("bad", ["1w", "w-1", "", "lambda", "i", "n", "sigmoid", "é", None])
def test_check_identifier_rejects(bad):
    with pytest.raises(ModelError):
        check_identifier(bad, "parameter")


def test_table_refuses_two_names_with_one_glyph():
    table = NotationTable({"w1": Glyph("w", "1")})
    with pytest.raises(ModelError, match="both print as w_1"):
        table.add("w_1", Glyph("w", "1"))
    assert table.name(Glyph("w", "1")) == "w1"
