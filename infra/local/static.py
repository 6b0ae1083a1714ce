"""The citizen portal (``web/``), served straight from disk.

In AWS, CloudFront serves ``web/`` from the portal bucket (``DefaultRootObject: index.html``).
Locally the files are read on every request, so an edit shows on the next reload; there is no
directory listing and nothing outside ``web/`` (or hidden inside it) can be reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

#: Explicit, because ``mimetypes`` depends on the machine's registry (some map ``.js`` to
#: ``text/plain``, which browsers refuse for modules).
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".map": "application/json; charset=utf-8",
    ".webmanifest": "application/manifest+json; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".pdf": "application/pdf",
}
DEFAULT_CONTENT_TYPE = "application/octet-stream"
INDEX = "index.html"


@dataclass(frozen=True)
class StaticFile:
    path: Path
    content_type: str

    def read(self) -> bytes:
        return self.path.read_bytes()


class StaticSite:
    """Maps URL paths to files under ``root``.

    Examples
    --------
    >>> import tempfile; root = Path(tempfile.mkdtemp()); _ = (root / "index.html").write_text("hi")
    >>> StaticSite(root).find("/").content_type
    'text/html; charset=utf-8'
    >>> StaticSite(root).find("/../etc/passwd") is None
    True
    """

    def __init__(self, root: Path):
        self.root = Path(root).resolve()

    def find(self, url_path: str) -> StaticFile | None:
        """The file ``url_path`` names, or ``None`` (missing, a directory, hidden, outside)."""
        path = unquote(url_path)
        if "\x00" in path or "\\" in path:
            return None
        if path.endswith("/"):
            path += INDEX
        parts = [part for part in path.split("/") if part]
        # ".." and hidden files (".git", ".env") are never served, whatever they resolve to.
        if any(part.startswith(".") for part in parts):
            return None
        candidate = self.root.joinpath(*parts).resolve()
        # Resolving follows symbolic links: the target must still be inside the root.
        if not candidate.is_relative_to(self.root) or not candidate.is_file():
            return None
        return StaticFile(candidate, CONTENT_TYPES.get(candidate.suffix.lower(),
                                                       DEFAULT_CONTENT_TYPE))

    def directory_redirect(self, url_path: str) -> str | None:
        """``url_path + "/"`` when ``url_path`` names a directory with an index (``/console``
        -> ``/console/``, as CloudFront's viewer-request function answers in the stack), else
        ``None``.

        Examples
        --------
        >>> import tempfile; root = Path(tempfile.mkdtemp()); (root / "app").mkdir()
        >>> _ = (root / "app" / "index.html").write_text("hi")
        >>> StaticSite(root).directory_redirect("/app"), StaticSite(root).directory_redirect("/nope")
        ('/app/', None)
        """
        if url_path.endswith("/") or self.find(url_path + "/") is None:
            return None
        return url_path + "/"
