"""Security headers on every response: the console and pages run only their own script and styles.

The Content-Security-Policy is a second wall behind escaping: even if lead text ever reached the
page as markup, an inline ``<script>``, an ``onerror=`` attribute or a ``javascript:`` URL would not run.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Inline styles are allowed (the proof pack and weekly report documents carry their own <style>);
# inline script, event-handler attributes and javascript: URLs are not.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
_HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)


# FastAPI's interactive docs load Swagger UI / ReDoc with inline script: they keep the other headers only.
_DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _HEADERS[1:] if scope.get("path") in _DOCS_PATHS else _HEADERS

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *((n, v) for n, v in headers if n not in present)]
            await send(message)

        await self.app(scope, receive, with_headers)
