

def test_a_sum_over_every_index_but_one():
    import sympy as sp
    from derive.notation_tex import Notation
    from derive.parse import parse_row
    # Σ_{j≠k} y_j p_k: every j but k, over a count the text leaves open
    got = parse_row(r"\sum_{j \neq k} y_j p_k", Notation())
    j = sp.Symbol("j", integer=True, positive=True)
    assert got == sp.Sum(sp.IndexedBase("y")[j] * sp.Symbol("p_k"), (j, 1, sp.Symbol("K"))) \
        - sp.Symbol("y_k") * sp.Symbol("p_k")
    # sample i's x_j left out is x_k's
    got = parse_row(r"\sum_{j \ne k} w_j x^{(i)}_j", Notation())
    assert sp.Symbol("w_k") * sp.IndexedBase("x_k")[sp.Symbol("i", integer=True, positive=True)] \
        in (-got).args


def test_max_and_min_are_relu():
    import sympy as sp
    from derive.functions import FUNCTIONS
    from derive.notation_tex import Notation
    from derive.parse import parse_row
    relu, z, a, b = FUNCTIONS["relu"], sp.Symbol("z"), sp.Symbol("a"), sp.Symbol("b")
    assert parse_row(r"\max(0, z)", Notation()) == relu(z)
    assert parse_row(r"\min(a, b)", Notation()) == a - relu(a - b)
