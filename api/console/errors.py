"""Errors in the console are pages, not JSON problem documents.

    ConsoleRoute ...... the route class of every console router: an exception a console page raises
                        (a bad query parameter, a rate limit, a domain error, a bug) renders
                        ``error.html`` with its status, in the page's language; a missing session still
                        redirects to the login page
    not_found ......... any other ``/console/...`` URL: a 404 page with the way back

The API's own routes keep their JSON problem documents (``api/errors.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.routing import APIRoute

from api.console.render import render
from tools.errors import GatewayError, NotFound

log = logging.getLogger("dealix.console")


class LoginRequired(Exception):
    """No (valid) console session: the handler redirects to the login page."""


def error_page(request: Request, status: int, code: str, message_ar: str | None = None,
               message_en: str | None = None) -> HTMLResponse:
    return render(request, "error.html", status=status, code=code, status_code=status, message_ar=message_ar,
                  message_en=message_en)


class ConsoleRoute(APIRoute):
    """Renders what a console page raises as an HTML error page (login redirects pass through)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired:
                raise
            except HTTPException as exc:
                detail: dict[str, Any] = exc.detail if isinstance(exc.detail, dict) else {}
                return error_page(request, exc.status_code, str(detail.get("code") or exc.status_code),
                                  detail.get("message_ar"), detail.get("message_en"))
            except RequestValidationError:
                return error_page(request, 422, "invalid_request")
            except NotFound as exc:
                return error_page(request, 404, exc.code, exc.message_ar, exc.message_en)
            except GatewayError as exc:
                return error_page(request, 400, exc.code, exc.message_ar, exc.message_en)
            except Exception:  # a bug: a page with a reference, the traceback in the log only
                log.exception("console page failed: %s", request.url.path)
                return error_page(request, 500, "internal_error")

        return handle


not_found_router = APIRouter(include_in_schema=False)


@not_found_router.api_route("/console/{rest:path}", methods=["GET", "POST"], response_class=HTMLResponse)
def not_found(request: Request, rest: str) -> Response:
    """Any console URL no page answers (registered last, after every console router)."""
    return error_page(request, 404, "not_found")
