"""Wire the pages into the app: routers, static files, HTML error pages, login redirects."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from api.errors import ApiError, request_id_of
from api.pages import browse_pages, classify_pages, login_pages
from api.pages.page_session import LoginRequired, login_url
from api.pages.templating import render
from api.state import ServiceState

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
FAVICON = STATIC_DIR / "favicon.ico"


def render_error_page(request: Request, error: ApiError) -> Response:
    state: ServiceState = request.app.state.service
    context = {"error": error, "request_id": request_id_of(request)}
    return render(request, state, "error.html", context, status_code=error.status)


def install_pages(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        """Public like /static: the browser asks for it on every page, before any login."""
        return FileResponse(FAVICON, media_type="image/x-icon", headers={"Cache-Control": "max-age=86400"})

    for router in (login_pages.router, classify_pages.router, browse_pages.router):
        app.include_router(router)
    app.state.html_error_renderer = render_error_page

    async def on_login_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        return RedirectResponse(login_url(exc.next_path), status_code=303)

    app.add_exception_handler(LoginRequired, on_login_required)
