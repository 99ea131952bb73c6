"""The one error type a user can act on."""


class NarrateError(Exception):
    """Something the user can fix: bad input, a missing file, an unknown voice.

    The CLI prints the message as one line on stderr and exits with code 2.
    """

    exit_code = 2


def one_line(exc: Exception) -> str:
    """A pydantic ValidationError (or any error) as one readable line."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        parts = []
        for error in errors():
            where = ".".join(str(part) for part in error.get("loc", ())) or "value"
            message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
            parts.append(f"{where}: {message}")
        return "; ".join(parts)
    return " ".join(str(exc).split())
