"""Markdown display math the way GitHub writes it: a ```math fence."""

from derive.extract import find_math


def test_a_math_fence_is_display_math_and_other_fences_are_code():
    text = "Text\n\n```math\nJ(w) = (w x - y)^2\n```\n\n```python\nx = 1\n```\n"
    rows = find_math(text, kind="md")
    assert [(r.latex, r.line) for r in rows] == [("J(w) = (w x - y)^2", 4)]


def test_an_unclosed_math_fence_is_code_as_before():
    rows = find_math("```math\nJ = 1\n", kind="md")
    assert rows == []
