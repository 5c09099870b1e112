"""Keeps secrets out of exception messages and log lines."""

from __future__ import annotations

REDACTED = "**REDACTED**"
# Text quoted from a server response is cut to this many characters.
MAX_QUOTE = 200


class Redactor:
    """Replaces every known secret (client secret, API key, tokens) in a text."""

    def __init__(self, *secrets: str) -> None:
        self._secrets: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        """Remember another secret, such as a freshly issued bearer token."""
        # Very short values would blank out ordinary words; real secrets are long.
        if secret and len(secret) >= 4:
            self._secrets.add(secret)

    def __call__(self, text: str) -> str:
        """Return ``text`` with every secret replaced."""
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return text

    def quote(self, text: str) -> str:
        """A short, single-line, redacted excerpt of server text for a message."""
        # Redacted before it is cut: a secret across the cut would not match any more.
        flat = self(" ".join(text.split()))
        if len(flat) > MAX_QUOTE:
            flat = flat[:MAX_QUOTE] + "…"
        return flat
