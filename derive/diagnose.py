r"""Why is a row wrong? Small repairs of the written expression, tried in turn.

A wrong row is usually one slip away from the right one: a layer label
(``a^{(1)}`` for ``a^{(2)}``), a factor too many or too few (``a_i(1-a_i)``),
σ where σ' belongs, a term left out, a sum that starts at 0. :func:`repairs`
lists such one-slip edits of the written expression, each with the sentence
that names the slip; the checker keeps the first edit that makes the row
right, and that edit is both the diagnosis and the proposed correction.

The edits are made on the expression as the document wrote it (its own
names, not their definitions), so the correction prints in its notation.
Nothing here judges: :class:`derive.judge.Judge` does.
"""

from __future__ import annotations

import functools
import itertools
import re
from typing import Callable, Iterator

import sympy as sp
from sympy.core.function import AppliedUndef

from .functions import Activation
from .rules import D

#: candidates tried for a missing factor, at most
MAX_POOL = 40


def repairs(expr, *, lhs, previous, definitions: dict, chain: list, index,
            show: Callable) -> Iterator[tuple[str, sp.Expr]]:
    """``(diagnosis, repaired expression)`` pairs, the likeliest slips first.
    A renaming also gives ``(old LaTeX, new LaTeX)``, so that the correction
    can keep the written order of the factors.

    Args:
        expr: the written right side that is wrong.
        lhs: the chain's left side; ``previous``: the expression it must equal.
        definitions: the document's definitions (name → body).
        chain: the other expressions of the chain (their factors are candidates).
        index: the sample index; ``show``: expression → the document's LaTeX.
    """
    seen = {expr}
    for repair in _each(
            _free_index_sums(expr, lhs, index, show),
            _swaps(expr, lhs, previous, definitions, show),
            _transposed(expr, show),
            _letters(expr, lhs, show),
            _squared(expr, lhs, show),
            _derivative_for_function(expr, definitions, show),
            _ranges(expr, show),
            _extra_factors(expr, show),
            _extra_terms(expr, show),
            _term_numbers(expr, show),
            _unrolled_terms(expr, previous, show),
            _cost_terms(expr, lhs, definitions, show),
            _missing_factors(expr, _factor_pool(expr, chain, definitions), show),
            _omitted_terms(expr, lhs, previous, definitions, show)):
        if repair[1] is not None:
            if repair[1] in seen:
                continue  # the same edit reached another way: tried already
            seen.add(repair[1])
        yield repair


def _each(*kinds) -> Iterator:
    """The repairs of every kind in turn; a kind that SymPy cannot carry through for
    this row (a derivative by a sum, say) ends there, and the next kind goes on."""
    for kind in kinds:
        while True:
            try:
                repair = next(kind)
            except StopIteration:
                break
            except (TypeError, ValueError, AttributeError, NotImplementedError,
                    RecursionError, IndexError, KeyError, ZeroDivisionError):
                break
            yield repair


def variable_repairs(lhs, definitions: dict, show: Callable) -> Iterator[tuple[str, sp.Expr]]:
    """A left side ∂_v … whose v the document never uses: the derivative is
    then 0. Yields ``(diagnosis, left side)`` with v replaced by each name of
    the same letter that the document does use (``b^{1}`` → ``b^{(1)}``)."""
    known = set()
    for e in (*definitions.keys(), *definitions.values()):
        known |= _names(e)
    for d in sorted(lhs.atoms(D), key=str):
        v = d.wrt
        if v in known or (isinstance(v, sp.Indexed) and any(
                isinstance(k, sp.Indexed) and k.base == v.base for k in known)):
            continue
        def likeness(new):  # b^{1} is likelier b^{(1)} than b: the same letters and digits
            return (re.sub(r"\W", "", str(new)) != re.sub(r"\W", "", str(v)), str(new))
        for new in sorted(known, key=likeness):
            if _stem(new) == _stem(v) and type(new) is type(v):
                yield (f"differentiates by {show(v)}, which the document never uses "
                       f"(so the derivative is 0); {show(new)} is meant"), lhs.xreplace({v: new})


# -- the parts of an expression ---------------------------------------------------

def _products(expr) -> list:
    """The places a factor can be dropped from or added to: every product,
    and every sum's summand or bare expression that is not one."""
    sites = [expr] if not expr.is_Mul else []
    for node in sp.preorder_traversal(expr):
        if node.is_Mul:
            sites.append(node)
        elif isinstance(node, sp.Sum) and not node.function.is_Mul:
            sites.append(node.function)
    return list(dict.fromkeys(sites))


def _sub(expr, old, new):
    """``expr`` with the subexpression ``old`` (a node of it) replaced by ``new``."""
    if expr == old:
        return new
    return expr.xreplace({old: new})


def _names(expr) -> set:
    """The names ``expr`` uses: its symbols and entries, but not the indices of its
    entries nor the bare letter of x_{i1} (x itself is a name only where it stands alone)."""
    entries = expr.atoms(sp.Indexed)
    alone = expr.xreplace({a: sp.Dummy() for a in entries}) if entries else expr
    return entries | {a for a in alone.atoms(sp.Symbol) if not isinstance(a, sp.Dummy)
                      and not any(a in e.indices for e in entries)}


def _stem(name) -> str:
    text = str(name.base if isinstance(name, sp.Indexed) else name)
    return text.split("^")[0].split("_")[0].split("[")[0]


# -- the slips ----------------------------------------------------------------------

def _free_index_sums(expr, lhs, index, show):
    free = ({index} & lhs.free_symbols) | {k for a in lhs.atoms(sp.Indexed) for k in a.indices}
    for s in expr.atoms(sp.Sum):
        (idx, lo, hi), *rest = s.limits
        if idx in free and not rest:
            why = (f"sums over {show(idx)}, which is free on the left side "
                   "(the left side is one sample's value)")
            mean = (1 / hi) * s  # (1/n) Σ: the sample's own term keeps its 1/n
            for fixed in (_sub(expr, mean, s.function / hi), _sub(expr, s, s.function)):
                if fixed != expr:
                    yield why, fixed
            yield why, None  # the diagnosis stands even when no edit repairs it
    # ∂J/∂w_k = \frac{1}{m} \sum_i \sum_j r_i x_{ij}: a sum over j where the left side's
    # own index k belongs
    letters = {t for v in lhs.free_symbols if isinstance(v, sp.Symbol)
               for group in re.findall(r"_\{([^{}]*)\}|_([A-Za-z0-9])", v.name)
               for t in re.findall(r"[a-z]", "".join(group))}
    letters |= {str(k) for a in lhs.atoms(sp.Indexed) for k in a.indices
                if isinstance(k, sp.Symbol) and not k.is_integer}

    def named(e):  # w[k] is the document's w_k, δ^(3)[k] its δ_k^(3), as the parser names them
        stem, hat, top = str(e.base).partition("^")
        sub = "".join(map(str, e.indices))
        return sp.Symbol((f"{stem}_{sub}" if len(sub) == 1 else f"{stem}_{{{sub}}}")
                         + (f"^{top}" if hat else ""))
    for s in expr.atoms(sp.Sum):
        for pos, (idx, lo, hi) in enumerate(s.limits):
            if idx == index:
                continue
            for letter in sorted(letters - {index.name}):  # (Σ_j of ∂/∂w_j too)
                rest = s.limits[:pos] + s.limits[pos + 1:]
                body = s.function.xreplace({idx: sp.Symbol(letter)}).replace(
                    lambda e: isinstance(e, sp.Indexed) and all(
                        isinstance(j, sp.Symbol) and not j.is_integer for j in e.indices),
                    named)
                fixed = _sub(expr, s, sp.Sum(body, *rest) if rest else body)
                if fixed != expr:
                    yield (f"sums over {show(idx)} where the left side's {letter} belongs "
                           f"(it is free on the left)"), fixed


#: a name with a subscript and a layer: a_r^(2) (stem, subscript, layer)
_LAYERED = re.compile(r"(.+?)(_[^^]+)\^\((\d+)\)")


def _swaps(expr, lhs, previous, definitions, show):
    """A layer or index slip: one name for another with the same letter."""
    known = set()
    for e in (lhs, previous, *definitions.keys(), *definitions.values()):
        known |= _names(e)
    mine = _names(expr)
    # a whole layer: every a^(1)[…] becomes a^(2)[…]
    bases = sorted({a.base for a in mine | known if isinstance(a, sp.Indexed)}, key=str)
    for old, new in itertools.permutations(bases, 2):
        if _stem(old) != _stem(new) or not expr.has(old):
            continue
        fixed = expr.xreplace({old: new})
        sample = next(a for a in expr.atoms(sp.Indexed) if a.base == old)
        yield (f"{show(sample)} where {show(new[sample.indices])} belongs", fixed,
               (show(sample), show(new[sample.indices])))
    # a layer slip in one factor only: a^(1)(1 - a^(1)) a^(1) for a^(2)(1 - a^(2)) a^(1)
    for site in _products(expr):
        if not site.is_Mul:
            continue
        args = _units(site)
        for group in _groups(args):
            for old, new in itertools.permutations(bases, 2):
                if _stem(old) != _stem(new) or not any(args[k].has(old) for k in group):
                    continue
                changed = [a.xreplace({old: new}) if k in group else a
                           for k, a in enumerate(args)]
                fixed = _sub(expr, site, sp.Mul(*changed))
                if fixed != expr and fixed != expr.xreplace({old: new}):
                    sample = next(a for a in site.atoms(sp.Indexed) if a.base == old)
                    yield (f"{show(sample)} where {show(new[sample.indices])} belongs",
                           fixed, (show(sample), show(new[sample.indices])))
    # a_r^(2) for a_r^(1): the same name in another layer the document has
    layers = {(m.group(1), m.group(3)) for n in known | mine
              for m in [_LAYERED.fullmatch(str(n))] if m}
    for old in sorted(mine, key=str):
        m = _LAYERED.fullmatch(str(old)) if isinstance(old, sp.Symbol) else None
        if not m:
            continue
        for stem, layer in sorted(layers):
            if stem == m.group(1) and layer != m.group(3):
                new = sp.Symbol(f"{stem}{m.group(2)}^({layer})", **old.assumptions0)
                yield (f"{show(old)} where {show(new)} belongs", expr.xreplace({old: new}),
                       (show(old), show(new)))
    # one name: a_1^(i) for a_i^(1), w_2 for w_1, x_j for x_i (a_r^(1) for a_r^(2), the same
    # subscript in another layer, first)
    def sub(name):
        return re.sub(r"\^.*$", "", _scripts(name))
    for old in sorted(mine, key=str):
        for new in sorted(known | mine, key=lambda n: (sub(n) != sub(old), str(n))):
            if new == old or _stem(new) != _stem(old):
                continue
            fixed = expr.xreplace({old: new})
            if fixed != expr:
                yield f"{show(old)} where {show(new)} belongs", fixed, (show(old), show(new))
    # one name in one factor only: (w_1 x_{i1} + w_2 x_{i2} - y_i) x_{i1} for … x_{i2};
    # w_3 … w_3 for w_3 … w_2
    for site in _products(expr):
        if not site.is_Mul:
            continue
        args = _units(site)
        for group in _groups(args):
            for old in sorted(set.intersection(*(_names(args[k]) for k in group)), key=str):
                for new in sorted(known | mine, key=str):
                    if new == old or _stem(new) != _stem(old):
                        continue
                    changed = [a.xreplace({old: new}) if k in group else a
                               for k, a in enumerate(args)]
                    fixed = _sub(expr, site, sp.Mul(*changed))
                    if fixed != expr and fixed != expr.xreplace({old: new}):
                        yield f"{show(old)} where {show(new)} belongs", fixed
    # one name for another letter with the same scripts, a layer's own letter:
    # x_2 for h_2 (the input where the hidden unit belongs), z_j for a_j
    for old in sorted(mine, key=str):
        for new in sorted(known - mine, key=str):
            if _stem(new) != _stem(old) and _scripts(new) == _scripts(old) != "" \
                    and type(new) is type(old):
                yield (f"{show(old)} where {show(new)} belongs", expr.xreplace({old: new}),
                       (show(old), show(new)))


def _scripts(name) -> str:
    """A name without its stem: ``_2`` of x_2 and h_2, ``^(1)[i]`` of a^(1)[i]."""
    text = str(name)
    return text[len(_stem(name)):]


def _letters(expr, lhs, show):
    """A general index written with the wrong letter: (p_k - y_k) x_k for … x_j in
    ∂L/∂W_{kj}, where j is a letter of the left side (x_j need not occur anywhere)."""
    def letters_of(name):
        m = re.fullmatch(r"([^_^]+)_\{?([a-z]{1,2})\}?", name)
        return (m.group(1), m.group(2)) if m else (None, "")
    wanted = sorted({c for v in lhs.free_symbols if isinstance(v, sp.Symbol)
                     for c in letters_of(v.name)[1]})
    names = sorted((v for v in expr.free_symbols if isinstance(v, sp.Symbol)), key=str)
    for a, b in itertools.combinations(wanted, 2):  # j and k swapped throughout
        swap = {}
        for v in names:
            stem, subs = letters_of(v.name)
            if stem and (a in subs or b in subs):
                new = subs.translate(str.maketrans({a: b, b: a}))
                swap[v] = sp.Symbol(f"{stem}_{{{new}}}" if len(new) > 1 else f"{stem}_{new}",
                                    **v.assumptions0)
        if len(swap) > 1:
            yield f"{a} and {b} swapped throughout", expr.xreplace(swap)
    for old in names:
        stem, subs = letters_of(old.name)
        for pos, c in enumerate(subs):
            for letter in wanted:
                if letter == c:
                    continue
                name = f"{stem}_{{{subs[:pos]}{letter}{subs[pos + 1:]}}}" if len(subs) > 1 \
                    else f"{stem}_{letter}"
                new = sp.Symbol(name, **old.assumptions0)
                yield f"{show(old)} where {show(new)} belongs", expr.xreplace({old: new})


def _squared(expr, lhs, show):
    """A product of two entries written as one squared: x_{ij}^2 for x_{ij} x_{ik} in
    ∂²L/∂θ_j∂θ_k, where k is another letter of the left side."""
    wanted = sorted({m.group(1) for v in lhs.free_symbols if isinstance(v, sp.Symbol)
                     for m in [re.fullmatch(r"[^_^]+_\{?([a-z])\}?", v.name)] if m})
    for power in sorted(expr.atoms(sp.Pow), key=str):
        base, exp = power.as_base_exp()
        if exp != 2:
            continue
        if isinstance(base, sp.Indexed):
            for pos, c in enumerate(base.indices):
                for letter in wanted:
                    if isinstance(c, sp.Symbol) and c.name in wanted and letter != c.name:
                        other = base.base[tuple(sp.Symbol(letter, **c.assumptions0) if p == pos
                                                else k for p, k in enumerate(base.indices))]
                        yield (f"{show(power)} where {show(base * other)} belongs",
                               expr.xreplace({power: base * other}))
        elif isinstance(base, sp.Symbol):
            m = re.fullmatch(r"([^_^]+)_\{?([a-z])\}?", base.name)
            for letter in wanted:
                if m and m.group(2) in wanted and letter != m.group(2):
                    other = sp.Symbol(f"{m.group(1)}_{letter}", **base.assumptions0)
                    yield (f"{show(power)} where {show(base * other)} belongs",
                           expr.xreplace({power: base * other}))


def _transposed(expr, show):
    """Two indices in each other's places: x^{(j)}_i for x^{(i)}_j, x_{ji} for x_{ij}."""
    for old in sorted(expr.atoms(sp.Indexed), key=str):
        base, letters = str(old.base), [k for k in old.indices if isinstance(k, sp.Symbol)]
        m = re.fullmatch(r"([A-Za-z]+|\\?[A-Za-z]+\{[A-Za-z]\})_\{?([a-z])\}?", base)
        if m and len(old.indices) == 1 and letters and m.group(2) != str(letters[0]):
            # x_i[j] (x^{(j)}_i) → x_j[i]
            new = sp.IndexedBase(f"{m.group(1)}_{letters[0]}")[sp.Symbol(
                m.group(2), integer=True, positive=True) if m.group(2) == "i" else
                sp.Symbol(m.group(2))]
        elif len(old.indices) == 1 and letters and re.fullmatch(r"[^_^]+\^\([a-z]\)", base):
            # x^(j)[i] (x^{(j)}_i, read as a layer j) → x_j[i] (x^{(i)}_j)
            stem, letter = base[:-4], base[-2]
            new = sp.IndexedBase(f"{stem}_{letter}")[old.indices[0]]
        elif len(old.indices) == 2 and len(letters) == 2 and letters[0] != letters[1]:
            new = old.base[old.indices[1], old.indices[0]]
        else:
            continue
        fixed = expr.xreplace({old: new})
        if fixed != expr:
            yield f"{show(old)} where {show(new)} belongs (the indices swapped)", fixed


def _groups(args) -> list:
    """The factors a slip may change together: each one, and two that share a name
    (a^{(2)}(1 - a^{(2)}) for a^{(1)}(1 - a^{(1)})), as tuples of positions."""
    return [(k,) for k in range(len(args))] + [
        (j, k) for j, k in itertools.combinations(range(len(args)), 2)
        if _names(args[j]) & _names(args[k])]


def _units(product) -> list:
    """A product's factors with whole powers of a name split up: a^2 (1-a) →
    [a, a, 1-a], so that one copy can change alone."""
    out = []
    for a in product.args:
        if a.is_Pow and a.exp.is_Integer and 2 <= a.exp <= 4 and _names(a.base):
            out += [a.base] * int(a.exp)
        else:
            out.append(a)
    return out


def _derivative_of(f, definitions):
    """σ'(u) for ``f`` = σ(u), or t(1 − t) style for a name t defined as σ(u)."""
    body = definitions.get(f, f)
    if isinstance(body, Activation) and len(body.args) == 1:
        d = body.fdiff(1)
        return d.xreplace({body: f}) if f is not body else d
    return None


def _outer_derivatives(f) -> list:
    """f'(u) for f a function of an inner expression u: log(1 + e^u) → e^u/(1 + e^u)."""
    if not isinstance(f, sp.Function) or isinstance(f, AppliedUndef):
        return []
    out, x = [], sp.Dummy("u")
    names = _names(f)
    if len(names) == 1:  # log(1 + e^{z}) → e^{z}/(1 + e^{z}): by its one name
        d = sp.diff(f, *names)
        if d != 0:
            out.append(sp.simplify(d) if sp.count_ops(d) < 40 else d)
    for u in sorted({a for a in sp.preorder_traversal(f) if a.is_Add and _names(a)}, key=str):
        g = f.xreplace({u: x})
        if g.has(x) and not g.has(*_names(u)):
            d = sp.diff(g, x).xreplace({x: u})
            if d != 0:
                out.append(d)
    return out


def _derivative_for_function(expr, definitions, show):
    for site in _products(expr):
        for f in (site.args if site.is_Mul else (site,)):
            known = _derivative_of(f, definitions)
            for d in [known] if known is not None else _outer_derivatives(f):
                new = sp.Mul(*[d if a == f else a for a in site.args]) if site.is_Mul else d
                yield (f"{show(f)} where its derivative {show(d)} belongs (the function "
                       "in place of its derivative)"), _sub(expr, site, new)


def _ranges(expr, show):
    for s in expr.atoms(sp.Sum):
        (idx, lo, hi), *rest = s.limits
        for dlo, dhi in ((1, 0), (-1, 0), (0, -1), (0, 1), (1, 1), (-1, -1)):
            new_lo, new_hi = lo + dlo, hi + dhi
            fixed = _sub(expr, s, sp.Sum(s.function, (idx, new_lo, new_hi), *rest))
            yield (f"the sum runs {show(idx)} = {show(lo)} … {show(hi)}; it should run "
                   f"{show(new_lo)} … {show(new_hi)} (off by one)"), fixed


def _is_factor(f) -> bool:
    return not f.is_Number


def _extra_factors(expr, show):
    for site in _products(expr):
        if not site.is_Mul:
            continue
        args = [a for a in site.args if _is_factor(a)]
        for f in args:
            yield f"an extra factor {show(f)}", _sub(expr, site, site / f)
        for f, g in itertools.combinations(args, 2):
            if _names(f) & _names(g):  # a_i and (1 - a_i): one factor a_i(1 - a_i)
                yield f"an extra factor {show(f * g)}", _sub(expr, site, site / (f * g))


def _term_numbers(expr, show):
    """A 2, a ½ or a sign wrong in one term of a sum (λw for 2λw)."""
    for site in [node for node in sp.preorder_traversal(expr) if node.is_Add]:
        for t in site.args:
            for c, why in ((2, "a missing factor 2 in the term"), (sp.Rational(1, 2),
                           "an extra factor 2 in the term"), (-1, "a wrong sign in the term")):
                yield f"{why} {show(t)}", _sub(expr, site, site - t + c * t)


def _extra_terms(expr, show):
    for site in [node for node in sp.preorder_traversal(expr) if node.is_Add]:
        for t in site.args:
            yield f"an extra term {show(t)}", _sub(expr, site, site - t)


@functools.lru_cache(maxsize=64)
def _definition_factors(items: tuple) -> tuple:
    """The local derivatives of the definitions ``items``: a_i(1 - a_i), x_i, w^(2)."""
    definitions, pool = dict(items), []
    for target, body in items:
        d = _derivative_of(target, definitions)
        if d is not None:
            pool.append(d)
        pool += _body_factors(body)
    return tuple(pool)


@functools.lru_cache(maxsize=1024)
def _body_factors(body) -> list:
    """∂body/∂v for each name v, and of every function's argument (x_i from
    σ(w x_i + b)), with their factors. (One body is in many documents' sets of
    definitions in force: a name redefined leaves the others as they were.)"""
    pool = []
    inner = [body] + [f.args[0] for f in body.atoms(Activation) if len(f.args) == 1]
    for part in inner:
        for v in sorted(_names(part), key=str):
            try:
                g = sp.diff(part, v)
            except (TypeError, ValueError, NotImplementedError):
                continue
            if g != 0 and not g.has(sp.Sum, D):
                pool.append(g)
                pool += [a for a in sp.Mul.make_args(g) if not a.is_Number]
    return pool


def _factor_pool(expr, chain, definitions) -> list:
    """Factors the row may have lost: the local derivatives of the document's
    definitions (a_i(1 - a_i), x_i, w^(2)) and the factors of the chain's rows."""
    pool = list(_definition_factors(tuple(definitions.items())))
    for e in chain:
        for site in _products(e):
            pool += [a for a in (site.args if site.is_Mul else (site,)) if not a.is_Number]
    # the inner derivatives of the functions the row applies: x^{(i)} from h_θ(x^{(i)})
    for call in expr.atoms(AppliedUndef):
        for target, body in definitions.items():
            if isinstance(target, AppliedUndef) and target.func == call.func \
                    and len(target.args) == len(call.args):
                inner = body.xreplace(dict(zip(target.args, call.args)))
                for v in sorted(_names(inner) - _names(call), key=str):
                    g = sp.diff(inner, v)
                    if g != 0 and not g.has(sp.Sum, D):
                        pool += [g] + [a for a in sp.Mul.make_args(g) if not a.is_Number]
    mine = set(sp.Mul.make_args(expr))
    out = []
    for c in dict.fromkeys(pool):
        if c.is_Number or c in mine or c.has(Activation) and not c.is_Mul:
            continue
        out.append(c)
    # 1/n and its kin: the mean's factor, which no constant factor can stand for
    counts = {s.limits[0][2] for s in expr.atoms(sp.Sum) if isinstance(s.limits[0][2], sp.Symbol)}
    means = [f for c in sorted(counts, key=str) for f in (1 / c, 2 / c, 1 / (2 * c), c)]
    return means + out[:MAX_POOL]


def _missing_factors(expr, pool, show):
    sites = _products(expr)
    inside = {node.function for node in sp.preorder_traversal(expr) if isinstance(node, sp.Sum)}
    inside |= {m for f in list(inside) for m in sp.preorder_traversal(f) if m.is_Mul}
    bound = {s.limits[0][0] for s in expr.atoms(sp.Sum)}
    for c in pool:
        # a factor free of the sums' indices goes anywhere alike: try it outside them only
        where = [s for s in sites if (s in inside) == bool(c.free_symbols & bound)] or sites
        for site in where:
            yield f"a missing factor {show(c)}", _sub(expr, site, site * c)


def _unrolled_terms(expr, previous, show):
    r"""A term of the row before's short sum left out when it is written out:
    \sum_{j=1}^{2} δ_j w_{j1} = δ_1 w_{11}, the j = 2 term forgotten."""
    if previous is None:
        return
    short = [s for s in previous.atoms(sp.Sum) if len(s.limits) == 1
             and all(b.is_Integer for b in s.limits[0][1:])
             and 2 <= s.limits[0][2] - s.limits[0][1] + 1 <= 6]
    done = sp.expand(previous.xreplace({s: s.doit() for s in short}), deep=False)
    if not done.is_Add or len(done.args) > 6 or (not short and len(done.args) > 3):
        return  # (a short sum read as its terms already: δ_1 w_{11} + δ_2 w_{21})
    for t in done.args:
        yield f"omits the term {show(t)}", expr + t


def _cost_terms(expr, lhs, definitions, show):
    """A term left out of a derivative: ∂ of one of the cost's terms (a penalty's
    λ w_1 forgotten)."""
    if not isinstance(lhs, D):
        return
    body = definitions.get(lhs.expr)
    if body is None and isinstance(lhs.expr, AppliedUndef):
        body = next((b for t, b in definitions.items() if isinstance(t, AppliedUndef)
                     and t.func == lhs.expr.func), None)
    if body is None:
        return
    for t in sp.Add.make_args(sp.expand(body, deep=False, mul=True, multinomial=False)):
        try:
            d = sp.diff(t, lhs.wrt)
        except (TypeError, ValueError, NotImplementedError):
            continue
        if d != 0:
            yield f"omits the term {show(d)}", expr + d


def _omitted_terms(expr, lhs, previous, definitions, show):
    """A term left out: of the row before."""
    candidates = []
    if previous is not None and not previous.is_Add and sp.count_ops(previous) < 80:
        # -\sum_k y_k (z_k - \log S): its terms are the sums of the summand's terms
        spread = sp.expand(previous).replace(  # -\sum_k -y_k \log S is \sum_k y_k \log S
            lambda e: isinstance(e, sp.Sum) and e.function.could_extract_minus_sign(),
            lambda e: -sp.Sum(-e.function, *e.limits))
        if spread.is_Add and len(spread.args) <= 6:
            previous = spread
    if previous is not None and previous.is_Add:
        candidates += list(previous.args)
    for t in dict.fromkeys(candidates):
        yield f"omits the term {show(t)}", expr + t
