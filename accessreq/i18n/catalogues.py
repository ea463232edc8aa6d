"""The compiled catalogues (.mo) are built from the committed .po files, not committed.

``make translations-compile`` builds them; so does the app when it starts, for any language
whose .mo is missing or older than its .po (a fresh checkout, a `git pull` that brought new
translations). Each file is written whole and then renamed, so processes starting together
never read half a catalogue.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

log = logging.getLogger(__name__)

DIRECTORY = Path(__file__).resolve().parent.parent / "translations"
DOMAIN = "messages"


def po_files(directory: Path = DIRECTORY) -> list[Path]:
    return sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def compile_catalogue(po: Path) -> Path:
    """Write ``po``'s compiled .mo beside it (fuzzy entries are left out, as gettext does)."""
    with po.open("rb") as source:
        catalogue = read_po(source, locale=po.parent.parent.name)
    mo = po.with_suffix(".mo")
    handle, temporary = tempfile.mkstemp(dir=po.parent, prefix=".messages-", suffix=".mo")
    try:
        with os.fdopen(handle, "wb") as target:
            write_mo(target, catalogue)
        os.replace(temporary, mo)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return mo


def compile_stale(directory: Path = DIRECTORY) -> list[Path]:
    """Compile every catalogue whose .mo is missing or older than its .po."""
    built = []
    for po in po_files(directory):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        try:
            built.append(compile_catalogue(po))
        except OSError as error:  # a read-only install: pages fall back to English
            log.warning("Could not compile %s (%s); run make translations-compile", po, error)
    return built
