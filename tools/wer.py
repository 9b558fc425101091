"""Word error rates for the benchmarks and tests, with English text normalisation.

Not part of the app: nothing in capture/, speech/, session/ or ui/ imports it.

Transcripts and references differ in case, punctuation, abbreviations ("Mr." / "mister")
and how numbers are written ("20th" / "twentieth"). Both sides go through the same
function so only real word differences count. Numbers become words, which keeps the
rules small (Whisper's own normaliser goes the other way; either is fine for WER).
"""

from __future__ import annotations

import re
import unicodedata

_ABBREVIATIONS = {
    "mr": "mister",
    "mrs": "missus",
    "ms": "miss",
    "dr": "doctor",
    "st": "saint",
    "jr": "junior",
    "sr": "senior",
    "prof": "professor",
    "etc": "et cetera",
    "vs": "versus",
    "ok": "okay",
}
_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_ORDINAL = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}


def number_words(n: int) -> str:
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + ("" if ones == 0 else " " + _ONES[ones])
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return _ONES[hundreds] + " hundred" + ("" if rest == 0 else " " + number_words(rest))
    for size, name in ((10**9, "billion"), (10**6, "million"), (1000, "thousand")):
        if n >= size:
            high, rest = divmod(n, size)
            return number_words(high) + " " + name + ("" if rest == 0 else " " + number_words(rest))
    return str(n)


def ordinal_words(n: int) -> str:
    words = number_words(n).split()
    last = words[-1]
    if last in _ORDINAL:
        words[-1] = _ORDINAL[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return " ".join(words)


def _spell_number(match: re.Match[str]) -> str:
    digits, suffix = match.group(1).replace(",", ""), match.group(2)
    n = int(digits)
    if n >= 10**12:
        return match.group(0)
    return ordinal_words(n) if suffix else number_words(n)


_CONTRACTIONS = [
    (r"\bwon't\b", "will not"),
    (r"\bcan't\b", "can not"),
    (r"\bcannot\b", "can not"),
    (r"\bain't\b", "is not"),
    (r"n't\b", " not"),
    (r"'re\b", " are"),
    (r"'ve\b", " have"),
    (r"'ll\b", " will"),
    (r"\bi'm\b", "i am"),
    (r"\blet's\b", "let us"),
]

_HEADING = re.compile(r"^\s*[IVXLC]+\.?\s+(?=[A-Z])")


def drop_roman_heading(text: str) -> str:
    """Removes a leading roman-numeral heading ("I From fairest creatures ...")."""
    return _HEADING.sub("", text, count=1)


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("’", "'").replace("‘", "'")
    text = re.sub(r"[-‐‑‒–—―_/]", " ", text)  # hyphens and dashes separate words
    text = re.sub(r"(\d)[,](\d{3})", r"\1\2", text)
    text = re.sub(r"\b(\d+)(st|nd|rd|th)?\b", _spell_number, text)
    text = text.replace("%", " percent")
    for pattern, spoken in _CONTRACTIONS:
        text = re.sub(pattern, spoken, text)
    text = re.sub(r"[^\w\s']", " ", text)  # punctuation
    words = []
    for word in text.split():
        word = word.strip("'")
        if not word:
            continue
        word = _ABBREVIATIONS.get(word, word)
        words.append(word.replace("'", ""))  # "beauty's" and "beautys" compare equal
    return " ".join(words)


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate of ``hypothesis`` against ``reference``, both normalised; an empty
    hypothesis counts every reference word as deleted."""
    import jiwer

    return float(jiwer.wer(normalize(reference), normalize(hypothesis) or "<nothing>"))
