"""What every response of the site gets, whichever view made it: security headers and the
error pages (404, 410)."""

from __future__ import annotations

from flask import Flask, Response, render_template


def init_app(app: Flask) -> None:
    app.after_request(_security_headers)
    app.register_error_handler(404, not_found)
    app.register_error_handler(410, gone)


# Pages load only their own stylesheet; release images may come from the newsroom's servers.
# The JSON-LD block is data, not script, so no script source is allowed at all.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' https: data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def _security_headers(response: Response) -> Response:
    if response.status_code == 304:  # no body, and the same headers as the fast path's 304
        return response
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    return response


def not_found(_error: Exception | None = None) -> tuple[str, int]:
    return render_template("404.html"), 404


def gone(_error: Exception) -> tuple[str, int]:
    return render_template("410.html"), 410
