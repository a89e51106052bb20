"""The book's one way to write a number (#34): rounded once, here.

- accuracy in percent with one decimal (``pct``), differences in signed percentage points
  (``pp``), intervals as ``[lo, hi]`` (``interval``);
- hyper-parameters that live on a log scale as powers of ten (``value``: 10^-2.5 in HTML for
  text, ``tex_value`` for a figure's ticks), never 0.00316228.
"""
from __future__ import annotations

import math
import re

#: data sets in words (stores say cifar100 / corel)
DATASET_NAMES = {"cifar100": "CIFAR-100", "corel": "Corel"}


def dataset_name(d) -> str:
    """A data set's name in words: CIFAR-100, Corel (others as they are)."""
    return DATASET_NAMES.get(d, d) if isinstance(d, str) else d


def dataset_words(text) -> str:
    """Data set names in words inside a label: 'cifar100 (6 pairs)' -> 'CIFAR-100 (6 pairs)'."""
    return re.sub(r"\b(cifar100|corel)\b", lambda m: DATASET_NAMES[m.group(1)], str(text))


def _exponent(v: float, whole: bool = False) -> float | None:
    """log10(v) if it is a multiple of 0.5 (a half power, 10^-2.5, at any size; a whole one
    below 0.01 or from 1,000 on, or at any size with ``whole``: 0.1 and 100 read better as
    they are in text), else None."""
    if not isinstance(v, (int, float)) or isinstance(v, bool) or v <= 0 or not math.isfinite(v):
        return None
    e = math.log10(v)
    if abs(2 * e - round(2 * e)) > 1e-9:
        return None
    e = round(2 * e) / 2
    if e == int(e) and 1e-2 <= v < 1e3 and not whole:
        return None
    return e


def value(v) -> str:
    """A hyper-parameter for text: 10<sup>-2.5</sup> (HTML renders in the book, in Jupyter
    and on Colab), 0.1, 3."""
    e = _exponent(v)
    return f"10<sup>{e:g}</sup>" if e is not None else f"{v:g}" if isinstance(v, (int, float)) else str(v)


def tex_value(v) -> str:
    """A hyper-parameter for a matplotlib tick: $10^{-2.5}$."""
    e = _exponent(v)
    return f"$10^{{{e:g}}}$" if e is not None else f"{v:g}"


def tex_power(v) -> str:
    """A paper setting inside TeX, every power of ten as one (10^{-2}, 10^{-2.5})."""
    e = _exponent(v, whole=True)
    return f"10^{{{e:g}}}" if e is not None else f"{v:g}"


def pct(fraction: float) -> str:
    """An accuracy (a fraction) in percent: 77.9%."""
    return f"{100 * fraction:.1f}%"


def pp(x: float) -> str:
    """A difference in percentage points, signed: +2.9 pp."""
    return f"{x:+.1f} pp"


def interval(lo: float, hi: float, digits: int = 1) -> str:
    """[+1.6, +4.2]; '(no interval)' where it could not be computed."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return "(no interval)"
    return f"[{lo:+.{digits}f}, {hi:+.{digits}f}]"


def cell(v) -> str:
    """A table cell: a whole number without decimals (a count stored as 400.0), another
    number with one, text as it is, missing as '-'."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}"
    return str(v)
