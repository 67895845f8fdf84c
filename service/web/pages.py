"""GET /console and /editor: static pages that call the JSON API from the browser.

Everything they need (HTML, JS, CSS) is in service/web/static and served by kefu itself: no CDN, no build.
The pages carry no data and need no key; the API calls they make send the key the user enters.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"
router = APIRouter(include_in_schema=False)


def _page(name: str) -> FileResponse:
    return FileResponse(STATIC_DIR / name, media_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "no-cache"})


@router.get("/console")
def console() -> FileResponse:
    return _page("console.html")


@router.get("/editor")
def editor() -> FileResponse:
    return _page("editor.html")


def mount_pages(app: FastAPI) -> None:
    """The pages and their static files."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
