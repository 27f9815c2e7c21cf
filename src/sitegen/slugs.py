"""Clean ASCII slugs from any title or file name: "Notícies d'avui" → "noticies-davui".

Letters are transliterated as the text's language spells them without
accents: German "Müller" is "mueller" (in other languages "muller"), and a
Catalan "col.legi" written with a full stop keeps its geminated l: "collegi".
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

# Letters that Unicode decomposition does not reduce to ASCII.
_TRANSLITERATIONS = str.maketrans({
    "ß": "ss", "ẞ": "SS", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O",
    "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH", "ł": "l", "Ł": "L",
    "ı": "i", "ħ": "h", "Ħ": "H",
    # Apostrophes and the Catalan middle dot join their neighbours: "l'avui", "col·legi".
    "'": "", "’": "", "ʼ": "", "·": "", "ŀ": "l", "Ŀ": "L",
})
_BY_LANGUAGE = {
    "de": str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}),
    "ca": str.maketrans({"•": "", "‧": "", "∙": ""}),  # look-alikes typed for the middle dot of "l·l"
}
_CATALAN_GEMINATE = re.compile(r"(?<=[lL])\.(?=[lL])")  # "col.legi", the middle dot as a full stop
_NON_WORD = re.compile(r"[^a-z0-9]+")
LONGEST_SLUG = 200  # characters (ASCII: bytes); a file name may have 255


def slugify(text: str, language: str = "", cut: bool = True) -> str:
    """Lower-case ASCII words joined by '-'; '' when nothing usable is left.

    `language` (a code such as 'de' or 'ca-ES') adds that language's own
    transliterations; without it the result is the same for every language. A slug over LONGEST_SLUG
    characters is cut (see `_short`) unless `cut` is false."""
    base = language.split("-")[0].lower()
    if base in _BY_LANGUAGE:
        text = text.translate(_BY_LANGUAGE[base])
    if base == "ca":
        text = _CATALAN_GEMINATE.sub("", text)
    ascii_text = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATIONS))
    ascii_text = ascii_text.encode("ascii", "ignore").decode("ascii").lower()
    slug = _NON_WORD.sub("-", ascii_text).strip("-")
    return _short(slug) if cut else slug


def _short(slug: str) -> str:
    """A slug of at most LONGEST_SLUG characters: a longer one is cut at a hyphen and ends with a digest of
    the whole, so two long names that start alike still differ. A folder name over 255 bytes is more
    than file systems take (and no reader wants such a URL)."""
    if len(slug) <= LONGEST_SLUG:
        return slug
    kept = slug[:LONGEST_SLUG - 9]
    if "-" in kept[LONGEST_SLUG // 2:]:
        kept = kept.rpartition("-")[0]
    return f"{kept.rstrip('-')}-{hashlib.blake2b(slug.encode(), digest_size=4).hexdigest()}"
