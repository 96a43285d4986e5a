"""A network camera's address (a phone running a webcam app): parsing, and keeping its
credentials out of everything a person or a file might see.

A URL may carry a password (``http://user:secret@192.168.1.20:8080/video``) or a token in its
query (``?token=...``). Only :attr:`CameraURL.url` holds them, for the connection itself;
``str()``, ``repr()``, :attr:`CameraURL.display` and :attr:`CameraURL.host` never do, and
:func:`redact` scrubs any text (an error message, a line FFmpeg printed) before it is shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

SCHEMES = ("http", "https", "rtsp")
DEFAULT_PORTS = {"http": 80, "https": 443, "rtsp": 554}
MASK = "***"

#: query parameters whose values are secrets (matched case-insensitively, as substrings)
SECRET_PARAM_WORDS = ("token", "key", "pass", "pwd", "secret", "auth", "sig", "session",
                      "cred", "user", "login")

_USERINFO = re.compile(r"(?i)\b((?:https?|rtsps?|rtmps?|tcp|udp|[a-z][a-z0-9+.-]*)://)[^/@\s\"']*@")
_QUERY_PARAM = re.compile(r"([?&;])([^=&#\s\"']+)=([^&#\s\"']*)")


class CameraURLError(ValueError):
    """Not a usable camera address; the message is one line without any credentials."""


def _secret_param(name: str) -> bool:
    lowered = unquote(name).lower()
    return any(word in lowered for word in SECRET_PARAM_WORDS)


def redact(text: str) -> str:
    """``text`` with every URL's user name and password, and the values of query parameters
    that look secret (token, key, password...), replaced by ``***``."""
    text = _USERINFO.sub(lambda m: m.group(1) + MASK + "@", text)
    return _QUERY_PARAM.sub(
        lambda m: f"{m.group(1)}{m.group(2)}={MASK}" if _secret_param(m.group(2)) else m.group(0),
        text)


def looks_like_url(text: str) -> bool:
    """True when ``text`` starts with a scheme (``something://``), camera or not."""
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", text) is not None


@dataclass(frozen=True)
class CameraURL:
    """A parsed camera address. ``url`` (with any credentials) is for connecting only."""

    url: str = field(repr=False)
    scheme: str
    hostname: str
    port: int
    target: str = field(repr=False)          # path and query, as sent in the request
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, text: str) -> CameraURL:
        """Parse ``text``; raises :class:`CameraURLError` (message free of credentials)."""
        shown = redact(text.strip())
        try:
            parts = urlsplit(text.strip())
            port = parts.port
        except ValueError:
            raise CameraURLError(f"not a valid camera address: {shown}") from None
        scheme = parts.scheme.lower()
        if scheme not in SCHEMES:
            raise CameraURLError(
                f"a network camera's address starts with http://, https:// or rtsp://, "
                f"got {shown}")
        if not parts.hostname:
            raise CameraURLError(f"no host in the camera address {shown}")
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        return cls(
            url=text.strip(), scheme=scheme, hostname=parts.hostname,
            port=port or DEFAULT_PORTS[scheme], target=target,
            username=unquote(parts.username) if parts.username is not None else None,
            password=unquote(parts.password) if parts.password is not None else None)

    @property
    def host(self) -> str:
        """``host:port`` (IPv6 in brackets): what a saved session records of the camera."""
        name = f"[{self.hostname}]" if ":" in self.hostname else self.hostname
        return f"{name}:{self.port}"

    @property
    def display(self) -> str:
        """The address as it may be shown: ``http://***@host:port/path?token=***``."""
        return redact(self.url)

    def __str__(self) -> str:
        return self.display
