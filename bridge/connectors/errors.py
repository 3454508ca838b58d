"""One place that maps API failures to what the caller should do: retry, give up, or fix credentials."""

from __future__ import annotations

from typing import Mapping


class ApiError(Exception):
    """A call to Zendesk, Jira, Slack or Statuspage failed."""

    def __init__(self, service: str, message: str, *, status: int | None = None) -> None:
        super().__init__(f"{service}: {message}" + (f" (HTTP {status})" if status else ""))
        self.service = service
        self.status = status


class RetriableError(ApiError):
    """Try again later: 429, 5xx, timeouts, dropped connections."""

    def __init__(self, service: str, message: str, *, status: int | None = None, retry_after: float | None = None):
        super().__init__(service, message, status=status)
        self.retry_after = retry_after


class PermanentError(ApiError):
    """Retrying the same request will fail the same way (400, 404, 422 …)."""


class NotFound(PermanentError):
    """404 for a record the service says does not exist (a deleted ticket): not a wrong address."""


class AuthError(PermanentError):
    """The credentials were refused (401/403): an operator must act."""


class ConflictError(PermanentError):
    """409: the object changed since the caller last saw it (e.g. Zendesk's safe update)."""


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """`Retry-After` in whole seconds, as the services send it (HTTP-date form is not used by them)."""
    if not headers:
        return None
    value = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def from_status(
    service: str, status: int, message: str, *, headers: Mapping[str, str] | None = None
) -> ApiError:
    if status == 429 or status >= 500 or status == 408:
        return RetriableError(service, message, status=status, retry_after=retry_after_seconds(headers))
    if status in (401, 403):
        return AuthError(service, message, status=status)
    if status == 409:
        return ConflictError(service, message, status=status)
    return PermanentError(service, message, status=status)
