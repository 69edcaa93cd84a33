"""Build the multilingual space's word lists: assets/vocabulary_es.txt and vocabulary_en.txt.

    .venv/bin/python -m pip install wordfreq==3.1.1      # requirements-dev.txt has it
    .venv/bin/python scripts/build_vocabulary.py [--es 22000] [--en 8000]

Spanish: the most frequent words of wordfreq 3.1.1 (`top_n_list("es", ...)`), kept when
they are real Spanish words:
  - in Debian's `wspanish` list (/usr/share/dict/spanish) or the team's short list of
    countries, nationalities and capitals (COUNTRIES below), unless wordfreq finds them ten
    times as frequent in English (zipf(en) > zipf(es) + 1: "the", "and" slip into Spanish
    text);
  - or a plural or verb form of a word of that list (the list has few of them, and the
    course's analogies need them): a known stem plus -s, -es (-z -> -ces), or a common
    verb ending of a known infinitive (-ar, -er, -ir), and more frequent in Spanish than
    in English.
English: wordfreq's most frequent English words of letters a-z, at least twice as frequent
in English as in Spanish, and not already in the Spanish list.
Each file starts with comment lines (#) saying how it was made and the data licence.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WSPANISH = Path("/usr/share/dict/spanish")
SPANISH_LETTERS = re.compile(r"^[a-záéíóúüñ]{2,}$")
ENGLISH_LETTERS = re.compile(r"^[a-z]{2,}$")
ONE_LETTER = {"y", "a", "o", "e", "u"}          # Spanish words of one letter
# wspanish has no proper nouns and few words for nationalities; the course's analogies
# (país - gentilicio + ...) need some: written by the team.
COUNTRIES = """alemania alemán alemana alemanes argentina argentino argentinos bélgica belga
brasil brasileño brasileña canadá canadiense chile chileno china chino colombia colombiano
cuba cubano ecuador ecuatoriano egipto egipcio españa español española españoles
estados francia francés francesa franceses grecia griego griega holanda holandés india indio
inglaterra inglés inglesa irlanda irlandés italia italiano italiana italianos japón japonés
marruecos marroquí méxico mexicano mexicana mexicanos perú peruano portugal portugués
portuguesa rusia ruso rusa suecia sueco suiza suizo turquía turco uruguay uruguayo
venezuela venezolano europa europeo europea áfrica africano américa americano asia asiático
madrid parís roma londres berlín lisboa atenas moscú tokio pekín lima bogotá caracas quito""".split()
ACCENTED = str.maketrans("aeiou", "áéíóú")

# endings of verb forms, by conjugation: the stem is the infinitive minus -ar/-er/-ir
VERB_ENDINGS = {
    "ar": ("o", "as", "a", "amos", "áis", "an", "é", "aste", "ó", "asteis", "aron", "aba", "abas",
           "ábamos", "aban", "ado", "ada", "ados", "adas", "ando", "aré", "arás", "ará", "aremos",
           "arán", "aría", "arían", "e", "es", "en", "emos", "ara", "aran"),
    "er": ("o", "es", "e", "emos", "éis", "en", "í", "iste", "ió", "imos", "ieron", "ía", "ías",
           "íamos", "ían", "ido", "ida", "idos", "idas", "iendo", "eré", "erá", "eremos", "erán",
           "ería", "erían", "a", "as", "an", "iera", "ieran"),
    "ir": ("o", "es", "e", "imos", "ís", "en", "í", "iste", "ió", "ieron", "ía", "ías", "íamos",
           "ían", "ido", "ida", "idos", "idas", "iendo", "iré", "irá", "iremos", "irán", "iría",
           "irían", "a", "as", "an", "iera", "ieran"),
}

HEADER = """# {what}
# Made by scripts/build_vocabulary.py from wordfreq 3.1.1 (Robyn Speer, 2022,
# https://github.com/rspeer/wordfreq), whose word frequencies are licensed CC-BY-SA 4.0:
# this list is a derived work under the same licence. {filters}
# One word per line, most frequent first. {count} words.
"""


def known_forms(dictionary: set[str], word: str) -> bool:
    """Is `word` a plural or a verb form of a word of `dictionary`?"""
    for plural, singular in (("es", ""), ("s", ""), ("ces", "z")):
        if word.endswith(plural):
            stem = word[: -len(plural)] + singular
            if stem in dictionary:
                return True
            vowel = max(stem.rfind(v) for v in "aeiou")       # avión -> aviones: the accent goes
            if plural == "es" and vowel >= 0 and stem[:vowel] + stem[vowel].translate(ACCENTED) + stem[vowel + 1:] in dictionary:
                return True
    for infinitive, endings in VERB_ENDINGS.items():
        for ending in endings:
            if word.endswith(ending) and len(word) > len(ending) + 1:
                if word[: -len(ending)] + infinitive in dictionary:
                    return True
    return False


def spanish_words(n: int) -> list[str]:
    from wordfreq import top_n_list, zipf_frequency

    dictionary = {w.strip().lower() for w in WSPANISH.read_text(encoding="utf-8").splitlines()}
    dictionary |= set(COUNTRIES)
    out = []
    for word in top_n_list("es", 200_000):
        if not (SPANISH_LETTERS.match(word) or word in ONE_LETTER):
            continue
        es, en = zipf_frequency(word, "es"), zipf_frequency(word, "en")
        if word in dictionary:
            keep = en <= es + 1.0
        else:
            keep = en < es and known_forms(dictionary, word)
        if keep:
            out.append(word)
            if len(out) == n:
                break
    return out


def english_words(n: int, spanish: set[str]) -> list[str]:
    from math import log10

    from wordfreq import top_n_list, zipf_frequency

    out = []
    for word in top_n_list("en", 100_000):
        if ENGLISH_LETTERS.match(word) and word not in spanish \
                and zipf_frequency(word, "en") >= zipf_frequency(word, "es") + log10(2):
            out.append(word)
            if len(out) == n:
                break
    return out


def write(path: Path, words: list[str], what: str, filters: str) -> None:
    path.write_text(HEADER.format(what=what, filters=filters, count=f"{len(words):,}")
                    + "\n".join(words) + "\n", encoding="utf-8")
    print(f"{path.relative_to(ROOT)}: {len(words):,} words, e.g. {', '.join(words[200:210])}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--es", type=int, default=22_000)
    parser.add_argument("--en", type=int, default=8_000)
    args = parser.parse_args(argv)
    if not WSPANISH.exists():
        sys.exit(f"{WSPANISH} is missing: apt-get install wspanish")
    es = spanish_words(args.es)
    en = english_words(args.en, set(es))
    write(ROOT / "assets" / "vocabulary_es.txt", es, "Spanish words of the multilingual space.",
          "Kept: words of Debian's wspanish list\n# (public domain) or of the team's countries and nationalities, and their plurals and verb forms, "
          "unless far more frequent in English.")
    write(ROOT / "assets" / "vocabulary_en.txt", en, "English words of the multilingual space.",
          "Kept: words of letters a-z at least\n# twice as frequent in English as in Spanish, "
          "and not in vocabulary_es.txt.")


if __name__ == "__main__":
    main()
