"""`innogrowth serve`: run the service with uvicorn (app factory, JSON logs)."""

from __future__ import annotations

from typing import Annotated

import typer


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    reload: Annotated[
        bool, typer.Option("--reload/--reload-off", help="Restart on code changes (development)")
    ] = False,
    workers: Annotated[int, typer.Option(help="Worker processes (each loads the index)")] = 1,
) -> None:
    """Serve the JSON API (/v1, docs at /docs) and the reviewer pages."""
    import uvicorn

    from api.json_logging import uvicorn_log_config
    from innogrowth.settings import Settings

    uvicorn.run(
        "innogrowth.service:create_app",
        factory=True,
        host=host,
        port=port,
        reload=reload,
        workers=None if reload else workers,
        access_log=False,  # the app logs each request as JSON, without query strings
        log_config=uvicorn_log_config(Settings().log_level),
    )
