"""Which language is a reply in: Spanish, English, mixed? A stopword count.

The most frequent words of a language are short function words (articles, prepositions,
pronouns: "de", "la", "que" / "the", "of", "and"), and nearly every sentence has several.
Counting those of each language in a text tells them apart well enough to measure whether
a chatbot answered in Spanish (the idea behind Cavnar & Trenkle's n-gram detectors and
Grefenstette's 1995 short-word method, in its simplest form). Words both languages share
("a", "no", "me", "he", "con"...) are left out of both lists.
"""
from __future__ import annotations

import re

SPANISH = frozenset("""
de la que el en los del se las por un una para es al lo como más pero sus le ya o fue
este ha sí porque esta son entre cuando muy sin sobre también hasta hay donde quien desde
todo nos durante todos uno les ni contra otros ese eso ante ellos e esto mí antes algunos
qué unos yo otro otras otra él tanto esa estos mucho quienes nada muchos cual poco ella
estar estas algunas algo nosotros mi mis tú te ti tu tus ellas nosotras vosotros cada
puede pueden ser está están cuál cómo dónde decir
""".split())

ENGLISH = frozenset("""
the of and to in is that it for was on are as with his they at be this have from or one
had by but not what all were we when your can said there use an each which she do how their
if will up other about out many then them these so some her would make like him into time
look two more write go see number way could people my than first been call who its now
find long down did get made may part used uses
also such does through between only both where why very
""".split())

WORD = re.compile(r"[a-záéíóúüñ]+", re.IGNORECASE)
SPANISH_MARKS = re.compile(r"[ñ¿¡áéíóú]", re.IGNORECASE)
CLEAR = 0.7    # share of one language's stopwords above which the text is in that language


def stopword_counts(text: str) -> tuple[int, int]:
    """(Spanish stopwords, English stopwords) in `text`."""
    words = [w.lower() for w in WORD.findall(text)]
    return sum(w in SPANISH for w in words), sum(w in ENGLISH for w in words)


def detect(text: str) -> str:
    """"es", "en", "mixed" (neither passes CLEAR), or "unknown" (no stopword at all).

    Spanish accents and ñ ¿ ¡ count as one more Spanish hint, once, so that a short reply
    like "Sí, claro." is not unknown.
    """
    es, en = stopword_counts(text)
    es += bool(SPANISH_MARKS.search(text))
    if es + en == 0:
        return "unknown"
    share = es / (es + en)
    if share >= CLEAR:
        return "es"
    if share <= 1 - CLEAR:
        return "en"
    return "mixed"


def fold(text: str) -> str:
    """Lower case without accents: 'Retropropagación' -> 'retropropagacion'."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def has_key_idea(text: str, keywords: list[str]) -> bool:
    """Does `text` contain one of `keywords` (any case, accents ignored, as a word start)?"""
    folded = fold(text)
    return any(re.search(r"\b" + re.escape(fold(k)), folded) for k in keywords)
