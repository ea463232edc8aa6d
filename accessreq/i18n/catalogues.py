"""The gettext catalogues: extracting the text to translate, merging it into each language's
.po file, and compiling the .mo files (built, never committed).

``python -m accessreq.i18n.catalogues extract|update|compile|new LANG`` does each step (the
``make translations-*`` targets call it); the tests extract the same way to check that every
language has every entry. The app compiles, when it starts, any language whose .mo is missing
or older than its .po (a fresh checkout, a `git pull` that brought new translations). Each file
is written whole and then renamed, so processes starting together never read half a catalogue.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

log = logging.getLogger(__name__)

CHECKOUT = Path(__file__).resolve().parents[2]
DIRECTORY = CHECKOUT / "accessreq" / "translations"
MAPPING = CHECKOUT / "babel.cfg"  # which files hold text, and how to read them
TEMPLATE = DIRECTORY / "messages.pot"
DOMAIN = "messages"
# gettext's names plus ours: lazy_gettext imported as _l for text defined at import time.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
COMMENT_TAGS = ("Translators:",)
_NOT_SOURCE = {"node_modules", "instance", "test-artifacts", "tests", "bench", "migrations"}


def _source_directory(path: str) -> bool:
    name = os.path.basename(path)
    return not name.startswith((".", "_")) and name not in _NOT_SOURCE


def extract() -> Catalog:
    """Every text marked for translation in the code and templates, with where it is."""
    with MAPPING.open(encoding="utf-8") as mapping:
        method_map, options_map = parse_mapping_cfg(mapping)
    catalogue = Catalog(project="accessreq", domain=DOMAIN, copyright_holder="accessreq")
    for filename, line, message, comments, context in extract_from_dir(
            CHECKOUT, method_map, options_map, keywords=KEYWORDS, comment_tags=COMMENT_TAGS,
            strip_comment_tags=True, directory_filter=_source_directory):
        catalogue.add(message, None, [(filename, line)], auto_comments=comments,
                      context=context)
    return catalogue


def read(po: Path) -> Catalog:
    with po.open("rb") as source:
        return read_po(source, locale=po.parent.parent.name)


def _write(path: Path, catalogue: Catalog) -> None:
    with path.open("wb") as target:
        write_po(target, catalogue, sort_by_file=True, width=100)


def update(template: Catalog) -> list[Path]:
    """Merge ``template`` into every language's .po: new text comes in empty (never guessed
    from similar text: a guess would be marked fuzzy and left out until someone checks it)."""
    for po in po_files():
        catalogue = read(po)
        catalogue.update(template, no_fuzzy_matching=True)
        _write(po, catalogue)
    return po_files()


def po_files(directory: Path = DIRECTORY) -> list[Path]:
    return sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def compile_catalogue(po: Path) -> Path:
    """Write ``po``'s compiled .mo beside it (fuzzy entries are left out, as gettext does)."""
    catalogue = read(po)
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


def main(arguments: list[str]) -> int:
    command = arguments[0] if arguments else ""
    if command == "extract":
        DIRECTORY.mkdir(exist_ok=True)
        _write(TEMPLATE, extract())
        print(f"Wrote {TEMPLATE.relative_to(CHECKOUT)}")
    elif command == "update":
        for po in update(extract()):
            print(f"Updated {po.relative_to(CHECKOUT)}")
    elif command == "compile":
        for po in po_files():
            print(f"Compiled {compile_catalogue(po).relative_to(CHECKOUT)}")
    elif command == "new" and len(arguments) == 2:
        po = DIRECTORY / arguments[1] / "LC_MESSAGES" / f"{DOMAIN}.po"
        if po.exists():
            print(f"{po.relative_to(CHECKOUT)} exists already; use update", file=sys.stderr)
            return 1
        po.parent.mkdir(parents=True)
        template = extract()
        catalogue = Catalog(locale=arguments[1], project="accessreq", domain=DOMAIN)
        catalogue.update(template, no_fuzzy_matching=True)
        _write(po, catalogue)
        print(f"Started {po.relative_to(CHECKOUT)}")
    else:
        print("usage: python -m accessreq.i18n.catalogues extract|update|compile|new LANG",
              file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
