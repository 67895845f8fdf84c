"""kefu's error hierarchy; the API maps each class to one HTTP status in one handler."""

from __future__ import annotations

import errno


class KefuError(Exception):
    """Base of every error kefu raises on purpose."""

    status_code = 500

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message

    @property
    def headers(self) -> dict[str, str]:
        """Extra HTTP headers for the error response."""
        return {}

    def body(self) -> dict[str, object]:
        """The one JSON error shape of the API: error class, message, where."""
        return {"error": type(self).__name__, "message": str(self), "where": self.where}


class UserError(KefuError):
    """The caller sent something invalid."""

    status_code = 422


class DocumentError(UserError):
    """A knowledge document is invalid (bad YAML, missing or wrong field)."""

    def __init__(self, message: str, *, path: str, line: int | None = None, field: str | None = None,
                 problems: list[DocumentError] | None = None) -> None:
        where = path + (f":{line}" if line else "") + (f" ({field})" if field else "")
        super().__init__(message, where=where)
        self.path = path
        self.line = line
        self.field = field
        self.problems = problems or []

    @classmethod
    def all_of(cls, problems: list[DocumentError]) -> DocumentError:
        """One error reporting every problem (itself when there is one)."""
        if len(problems) == 1:
            return problems[0]
        return cls(f"{len(problems)} problems: " + "; ".join(str(p) for p in problems), path=problems[0].path,
                   problems=problems)

    def body(self) -> dict[str, object]:
        body = super().body()
        if self.problems:
            body["errors"] = [{"where": p.where, "message": p.message} for p in self.problems]
        return body


class PayloadTooLarge(UserError):
    """The request body or one of its parts is larger than the server accepts."""

    status_code = 413


class RateLimited(KefuError):
    """The caller sent more requests than its rate limit allows; retry after `retry_after_s` seconds."""

    status_code = 429

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message, where="rate_limit")
        self.retry_after_s = retry_after_s

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s)}


class NotFoundError(KefuError):
    """A shop or document does not exist."""

    status_code = 404


class ConflictError(KefuError):
    """The request contradicts existing data (e.g. two policy docs set the same rule)."""

    status_code = 409


class PreconditionFailedError(KefuError):
    """An If-Match version is not the document's current version (someone else edited it first)."""

    status_code = 412


class PreconditionRequiredError(KefuError):
    """An edit that must name the version it was based on (If-Match) did not."""

    status_code = 428


class AuthenticationError(KefuError):
    """No API key, or one that is unknown or revoked."""

    status_code = 401


class ForbiddenError(KefuError):
    """The API key's role or shop scope does not allow this request."""

    status_code = 403


class IntegrationNotConfigured(KefuError):
    """An integration's endpoint was called but its settings (URL, token, account → shop) are not set."""

    status_code = 503


class StorageError(KefuError):
    """A document could not be written to the store; the edit was rolled back."""

    status_code = 507


class MissingDependencyError(KefuError):
    """An optional dependency or model file is missing; the message names what to install."""

    status_code = 503


class TemplateMissingVariables(KefuError):
    """A prompt template was rendered without a variable it needs."""


class LLMError(KefuError):
    """The LLM call failed or timed out (the pipeline degrades instead of failing)."""

    status_code = 502


class GuardUnavailable(KefuError):
    """A guard could not give its verdict (e.g. the LLM judge failed); the result is marked degraded."""

    status_code = 503


class VectorStoreUnavailable(KefuError):
    """The Chroma server cannot be reached; the request can be retried (kefu reconnects by itself)."""

    status_code = 503


def is_disk_full(exc: BaseException) -> bool:
    """True when `exc` (or what it wraps) says the disk is full: ENOSPC, or SQLite's "database or disk is full"."""
    seen: BaseException | None = exc
    visited: set[int] = set()
    while seen is not None and id(seen) not in visited:
        visited.add(id(seen))
        if isinstance(seen, OSError) and seen.errno == errno.ENOSPC:
            return True
        text = str(seen).lower()
        if "disk is full" in text or "no space left on device" in text:
            return True
        seen = seen.__cause__ or seen.__context__
    return False
