"""HTML mail: sanitised with nh3 for display, and turned into readable text.

nh3 (ammonia on html5ever) is quadratic on some hostile input, as measured with nh3 0.3.8:
thousands of nested elements (200 000 ``<div>`` take minutes), and text nodes or attributes
holding tens of thousands of ``&`` or no-break spaces (serialising 200 000 of them in one text
node takes seconds). A linear pre-pass therefore escapes bare ampersands, drops absurdly long
tags, splits text runs after every few hundred escapes with an empty ``<span>``, and measures
the nesting; HTML nested deeper than a reader could ever see is flattened to its text first.
The text conversion reads nh3's output, which is well-formed (every tag closed, every
attribute quoted, every ``<`` in text escaped), so a regular-expression tokenizer suffices; it
is several times faster than the stdlib ``HTMLParser``, which is also quadratic on unclosed
comments.
"""

from __future__ import annotations

import html as html_lib
import re

#: Longest HTML that is sanitised; the rest is dropped with a defect.
MAX_HTML_CHARS = 1_000_000
#: Deepest element nesting passed to the sanitiser.
MAX_NESTING = 200
#: Most escapes (``&``, no-break spaces) in one text node passed to the sanitiser.
MAX_ESCAPES_PER_RUN = 100
#: Longest tag kept; longer ones are dropped before sanitising.
MAX_TAG_CHARS = 8000

_BARE_AMPERSAND_RE = re.compile(
    r"&(?!(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});)")
_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]{0,30})([^<>]*)>")
_ANY_TAG_RE = re.compile(r"<[^<>]*>")
_LONG_TAG_RE = re.compile(r"<[^<>]{%d,}>" % MAX_TAG_CHARS)
_ESCAPE_OR_TAG_RE = re.compile(r"[&\u00a0<>]")
_DROPPED_BLOCK_RE = re.compile(r"<(script|style|title|head)\b[^<>]*>.*?</\1\s*>", re.S | re.I)
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "param", "source", "track", "wbr", "basefont", "frame", "keygen"})
_AUTO_CLOSED = frozenset({"p", "li", "td", "th", "tr", "option", "dt", "dd", "tbody", "thead",
                          "tfoot", "html", "head", "body", "colgroup", "rb", "rt", "rp"})
_BLOCK = frozenset({"p", "div", "table", "tr", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3",
                    "h4", "h5", "h6", "pre", "hr", "address", "article", "aside", "center",
                    "details", "figure", "footer", "header", "nav", "section", "summary",
                    "caption", "figcaption", "blockquote", "li"})
_SKIPPED = frozenset({"script", "style", "title", "head", "template", "noscript"})
_ALLOWED_SCHEMES = frozenset({"http", "https", "mailto", "tel", "cid"})


def sanitise(html: str, defects: list[str] | None = None) -> str:
    """Safe HTML for display: no scripts, styles, event handlers or foreign URL schemes.

    Inline images keep their ``cid:`` sources so the portal can resolve them to attachments.

    Examples
    --------
    >>> sanitise('<p onclick="x()">Здраво<script>alert(1)</script> <img src="cid:a@b"></p>')
    '<p>Здраво <img src="cid:a@b"></p>'
    """
    import nh3

    notes = defects if defects is not None else []
    if len(html) > MAX_HTML_CHARS:
        notes.append(f"HTML longer than {MAX_HTML_CHARS} characters; the rest was dropped")
        html = html[:MAX_HTML_CHARS]
    html = _BARE_AMPERSAND_RE.sub("&amp;", _LONG_TAG_RE.sub("", html))
    if len(html) > MAX_HTML_CHARS:
        notes.append(f"HTML longer than {MAX_HTML_CHARS} characters once escaped; cut")
        html = html[:MAX_HTML_CHARS]
    html = _split_escape_runs(html)
    if not _is_tame(html):
        notes.append(f"HTML nested deeper than {MAX_NESTING} elements; kept as plain text")
        html = _flatten(html)
    url_schemes = set(nh3.ALLOWED_URL_SCHEMES) | _ALLOWED_SCHEMES
    return nh3.clean(html, url_schemes=url_schemes,
                     clean_content_tags={"script", "style", "title", "template", "noscript"})


def html_to_text(html: str, defects: list[str] | None = None) -> str:
    """Readable text of an HTML body: paragraphs, line breaks, lists, quotes, ``text (url)``.

    Examples
    --------
    >>> print(html_to_text('<p>Lampa ne radi.<br>Ulica <b>Njegoševa</b></p>'
    ...                    '<ul><li>prvo</li><li>drugo</li></ul>'
    ...                    '<p>Vidi <a href="https://mapa.rs/x">mapu</a>.</p>'
    ...                    '<style>p{color:red}</style>'))
    Lampa ne radi.
    Ulica Njegoševa
    <BLANKLINE>
    - prvo
    - drugo
    <BLANKLINE>
    Vidi mapu (https://mapa.rs/x).
    """
    return text_of_sanitised(sanitise(html, defects))


def text_of_sanitised(clean_html: str, limit: int = 400_000) -> str:
    """Readable text of HTML that ``sanitise`` produced; stops after about ``limit`` characters."""
    converter = _TextConverter()
    try:
        for match in _TOKEN_RE.finditer(clean_html):
            closing, tag, attributes, text = match.groups()
            if text is not None:
                converter.handle_data(html_lib.unescape(text))
            elif tag is None:
                converter.handle_data("<")
            elif closing:
                converter.handle_endtag(tag.lower())
            else:
                converter.handle_starttag(tag.lower(), _attributes(attributes or ""))
            if converter.size > limit:
                break
    except Exception:  # noqa: BLE001 - sanitised input should not fail; plain text anyway
        return html_lib.unescape(_ANY_TAG_RE.sub(" ", clean_html))
    return converter.text()


_TOKEN_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)([^<>]*)>|([^<]+)|<")
_ATTRIBUTE_RE = re.compile(
    r"([A-Za-z][A-Za-z0-9_:.-]*)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+)))?")


def _attributes(text: str) -> list[tuple[str, str | None]]:
    if "=" not in text:
        return []
    return [(m.group(1).lower(), html_lib.unescape(m.group(2) or m.group(3) or m.group(4) or ""))
            for m in _ATTRIBUTE_RE.finditer(text)]


def referenced_content_ids(html: str) -> set[str]:
    """The Content-IDs an HTML body refers to with ``cid:`` URLs (lower-case, no brackets).

    Examples
    --------
    >>> sorted(referenced_content_ids('<img src="cid:Slika1@X"><img src=\\'CID:<b@y>\\'>'))
    ['b@y', 'slika1@x']
    """
    found = set()
    for match in re.finditer(r"cid:([^\"'\s>)]{1,500})", html, re.I):
        found.add(html_lib.unescape(match.group(1)).strip("<>").lower())
    return found


def _split_escape_runs(html: str) -> str:
    """Put an empty span after every MAX_ESCAPES_PER_RUN escapes of one text run."""
    if html.count("&") + html.count("\u00a0") < MAX_ESCAPES_PER_RUN:
        return html
    pieces: list[str] = []
    start = count = 0
    in_tag = False
    for match in _ESCAPE_OR_TAG_RE.finditer(html):
        char = match.group()
        if char == "<":
            in_tag, count = True, 0
        elif char == ">":
            in_tag = False
        elif not in_tag:
            count += 1
            if count >= MAX_ESCAPES_PER_RUN:
                pieces += [html[start:match.start()], "<span></span>"]
                start, count = match.start(), 0
    pieces.append(html[start:])
    return "".join(pieces)


def _is_tame(html: str) -> bool:
    """Whether the element nesting stays under MAX_NESTING and the tags mostly balance."""
    stack: list[str] = []
    open_counts: dict[str, int] = {}
    stray = 0
    for match in _TAG_RE.finditer(html):
        closing, name, rest = match.group(1), match.group(2).lower(), match.group(3)
        if name in _VOID or name in _AUTO_CLOSED or rest.endswith("/"):
            continue
        if not closing:
            stack.append(name)
            open_counts[name] = open_counts.get(name, 0) + 1
            if len(stack) > MAX_NESTING:
                return False
        elif open_counts.get(name):
            while stack:
                top = stack.pop()
                open_counts[top] -= 1
                if top == name:
                    break
                stray += 1
        else:
            stray += 1
        if stray > 5000:
            return False
    return True


def _flatten(html: str) -> str:
    text = _DROPPED_BLOCK_RE.sub(" ", html) if len(html) < 200_000 else html
    text = html_lib.unescape(_ANY_TAG_RE.sub(" ", text))
    return "<pre>" + html_lib.escape(text) + "</pre>"


class _TextConverter:
    """Builds the text from tag and text events (the callbacks of an HTML parser)."""

    def __init__(self) -> None:
        self.size = 0
        self.lines: list[str] = []
        self.current: list[str] = []
        self.quote_depth = 0
        self.pre_depth = 0
        self.skip_depth = 0
        self.lists: list[list[int]] = []  # per open list: [is_ordered, counter]
        self.links: list[tuple[str, int]] = []  # (href, length of current text at start)
        self.pending_blank = False

    # --- line handling -------------------------------------------------------------------
    def _break(self, blank: bool = False) -> None:
        line = "".join(self.current)
        if not self.pre_depth:
            line = re.sub(r"[ \t\r\n\f\u00a0]+", " ", line).strip()
        if line:
            self.size += len(line) + 1
            if self.pending_blank and self.lines and self.lines[-1] != "":
                self.lines.append(self._prefix())
            self.lines.append(self._prefix() + line)
            self.pending_blank = False
        self.current = []
        if blank:
            self.pending_blank = True

    def _prefix(self) -> str:
        return "> " * self.quote_depth

    # --- parser callbacks ----------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skip_depth += 1
            return
        if tag == "br":
            self._break()
        elif tag in ("ul", "ol"):
            self._break(blank=not self.lists)
            self.lists.append([tag == "ol", 0])
        elif tag == "li":
            self._break()
            marker = "- "
            if self.lists:
                self.lists[-1][1] += 1
                if self.lists[-1][0]:
                    marker = f"{self.lists[-1][1]}. "
            self.current.append("  " * max(len(self.lists) - 1, 0) + marker)
        elif tag == "blockquote":
            self._break(blank=True)
            self.quote_depth += 1
        elif tag == "pre":
            self._break(blank=True)
            self.pre_depth += 1
        elif tag in ("td", "th"):
            if self.current and "".join(self.current).strip():
                self.current.append(" | ")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt and alt.strip():
                self.current.append(f"[{alt.strip()}]")
        elif tag == "a":
            self.links.append((dict(attrs).get("href") or "", len("".join(self.current))))
        elif tag in _BLOCK:
            self._break(blank=tag in ("p", "table", "h1", "h2", "h3", "h4", "h5", "h6"))
        if tag == "hr":
            self.current.append("----")
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skip_depth = max(self.skip_depth - 1, 0)
            return
        if tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self._break(blank=not self.lists)
        elif tag == "blockquote":
            self._break()
            self.quote_depth = max(self.quote_depth - 1, 0)
            self.pending_blank = True
        elif tag == "pre":
            self._break(blank=True)
            self.pre_depth = max(self.pre_depth - 1, 0)
        elif tag == "a":
            self._end_link()
        elif tag in _BLOCK or tag == "tr":
            self._break(blank=tag in ("p", "table", "h1", "h2", "h3", "h4", "h5", "h6"))

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        if self.pre_depth and "\n" in data:
            pieces = data.split("\n")
            for piece in pieces[:-1]:
                self.current.append(piece)
                self._break()
            self.current.append(pieces[-1])
        else:
            self.current.append(data)

    def _end_link(self) -> None:
        if not self.links:
            return
        href, start = self.links.pop()
        label = "".join(self.current)[start:].strip()
        target = href[7:] if href.lower().startswith("mailto:") else href
        if not target or target.lower().startswith("cid:"):
            return
        if label.rstrip("/") == target.rstrip("/") or label == href:
            return
        self.current.append(f" ({target})" if label else target)

    def text(self) -> str:
        self._break()
        while self.lines and not self.lines[-1].strip(" >"):
            self.lines.pop()
        return "\n".join(self.lines)
