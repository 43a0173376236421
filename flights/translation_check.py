"""Find template text that Spanish (or any other language) would still show in English.

Two checks, used by tests/test_translations.py over an explicit list of templates:

- `untranslated_text`: text outside tags, and the translatable attributes (title, placeholder,
  aria-label, alt, label), that is not inside {% translate %} / {% blocktranslate %};
- `template_msgids`: the strings a template marks for translation (Django's own `templatize`
  read by Babel's extractor, as xgettext reads it), so a test can demand a msgstr for each.
"""

import io
import re
from html.parser import HTMLParser

from babel.messages.extract import extract
from django.template.base import Lexer, TokenType
from django.utils.translation.template import templatize

PLACEHOLDER = "\x00"
ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "label"}
# Text inside these elements is code or data, never prose.
RAW = {"script", "style", "code", "pre"}
LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
BLOCK_START = {"blocktranslate", "blocktrans"}
BLOCK_END = {"endblocktranslate", "endblocktrans"}


def _masked(source: str) -> str:
    """The template with every tag, variable and translated block replaced by a placeholder
    (newlines kept, so line numbers stay right)."""
    out, inside, comment = [], False, False
    for token in Lexer(source).tokenize():
        lines = "\n" * token.contents.count("\n")
        if token.token_type == TokenType.BLOCK:
            name = (token.contents.split() or [""])[0]
            if name in BLOCK_START:
                inside = True
            elif name in BLOCK_END:
                inside = False
            elif name == "comment":
                comment = True
            elif name == "endcomment":
                comment = False
            out.append(PLACEHOLDER + lines)
        elif token.token_type == TokenType.TEXT and not (inside or comment):
            out.append(token.contents)
        elif token.token_type == TokenType.VAR:
            out.append(PLACEHOLDER + lines)
        else:
            out.append(lines)
    return "".join(out)


class _Finder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self.raw_depth = 0

    def _check(self, text: str) -> None:
        text = " ".join(text.replace(PLACEHOLDER, " ").split())
        if LETTERS.search(text):
            self.found.append((self.getpos()[0], text))

    def handle_starttag(self, tag, attrs):
        if tag in RAW:
            self.raw_depth += 1
        for name, value in attrs:
            if name in ATTRIBUTES and value:
                self._check(value)

    def handle_endtag(self, tag):
        if tag in RAW and self.raw_depth:
            self.raw_depth -= 1

    def handle_data(self, data):
        if not self.raw_depth:
            self._check(data)


def untranslated_text(source: str) -> list[tuple[int, str]]:
    """(line, text) of every piece of prose not marked for translation."""
    finder = _Finder()
    finder.feed(_masked(source))
    finder.close()
    return finder.found


def template_msgids(source: str) -> set[str | tuple[str, str]]:
    """The msgids a template marks (singular for plurals), with (context, msgid) for pgettext."""
    # Indented template text becomes indented code; every templatized line stands alone.
    code = "\n".join(line.lstrip() for line in templatize(source).splitlines()).encode()
    ids = set()
    for _line, message, _comments, context in extract("python", io.BytesIO(code)):
        msgid = message[0] if isinstance(message, tuple) else message
        ids.add((context, msgid) if context else msgid)
    return ids
