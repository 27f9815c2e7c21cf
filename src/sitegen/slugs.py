"""Clean ASCII slugs from any title or file name: "Notícies d'avui" → "noticies-davui"."""

from __future__ import annotations

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
_NON_WORD = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by '-'; '' when nothing usable is left."""
    ascii_text = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATIONS))
    ascii_text = ascii_text.encode("ascii", "ignore").decode("ascii").lower()
    return _NON_WORD.sub("-", ascii_text).strip("-")
