"""Knowledge documents over HTTP: versions, ETag / If-Match, history, restore, tombstone deletes."""

from __future__ import annotations

import re
from functools import partial
from typing import Annotated

import anyio
from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from service.api.deps import ServicesDep
from service.api.doc_schemas import DocHistory, DocInfo, DocList, DocVersionInfo, PutDocResponse, RestoreRequest
from service.api.limits import LimitedDocument
from service.errors import UserError
from service.evaluation.preview import PreviewReport
from service.knowledge.base import Edit

router = APIRouter(tags=["documents"])
IfMatch = Annotated[str | None, Header(description='the version the edit is based on, e.g. "3" (a GET\'s ETag); '
                                       "a stale one is refused with 412; \"0\": only if the document does not exist")]
Note = Annotated[str, Query(max_length=2000, description="why the edit was made (kept in the history)")]
_ETAG_RE = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')


def parse_if_match(value: str | None) -> int | None:
    """The version number an If-Match header names (None without the header)."""
    if value is None:
        return None
    match = _ETAG_RE.match(value)
    if not match:
        raise UserError(f"If-Match must be a version number such as \"3\" (the ETag of a GET), not {value!r}",
                        where="header.If-Match")
    return int(match.group(1))


def etag(version: int) -> str:
    return f'"{version}"'


def author(request: Request) -> str:
    """Who makes an edit: the caller's API key id, or `dev` when the server runs without keys."""
    caller = getattr(request.state, "caller_id", None)
    return str(caller) if caller else "dev"


def _edit_response(shop_id: str, doc_id: str, edit: Edit, response: Response) -> PutDocResponse:
    response.headers["ETag"] = etag(edit.info.version)
    return PutDocResponse(shop_id=shop_id, doc_id=doc_id, created=edit.created, changed=edit.changed,
                          version=edit.info.version, content_hash=edit.info.content_hash, chunks=edit.chunks)


@router.get("/v1/shops/{shop_id}/docs", response_model=DocList)
def list_docs(shop_id: str, services: ServicesDep) -> DocList:
    shop = services.knowledge.shop(shop_id)
    docs = [DocInfo(doc_id=d.id, type=d.meta.type.value, title=d.meta.title, content_hash=d.content_hash,
                    version=shop.versions.get(d.id, 0))
            for d in sorted(shop.docs.values(), key=lambda d: d.id)]
    return DocList(shop_id=shop_id, docs=docs)


@router.get("/v1/shops/{shop_id}/docs/{doc_id}", response_class=Response,
            responses={200: {"content": {"text/markdown": {}}, "headers": {"ETag": {"description": "version"}}}})
def get_doc(shop_id: str, doc_id: str, services: ServicesDep,
            version: Annotated[int | None, Query(ge=1, description="an earlier version (default: current)")] = None,
            ) -> Response:
    stored = services.knowledge.get_version(shop_id, doc_id, version)
    return Response(content=stored.text, media_type="text/markdown; charset=utf-8",
                    headers={"ETag": etag(stored.info.version)})


@router.get("/v1/shops/{shop_id}/docs/{doc_id}/history", response_model=DocHistory)
def doc_history(shop_id: str, doc_id: str, services: ServicesDep) -> DocHistory:
    versions = services.knowledge.history(shop_id, doc_id)
    return DocHistory(shop_id=shop_id, doc_id=doc_id, versions=[
        DocVersionInfo(version=v.version, content_hash=v.content_hash, author=v.author, note=v.note,
                       created_at=v.created_at, deleted=v.deleted, restored_from=v.restored_from)
        for v in versions])


@router.post("/v1/shops/{shop_id}/docs/{doc_id}/preview", response_model=PreviewReport)
async def preview_doc(shop_id: str, doc_id: str, services: ServicesDep, text: LimitedDocument) -> PreviewReport:
    """Run the shop's golden conversations and guard cases as if `text` were live, in an isolated copy;
    nothing is published. Publish with PUT (If-Match: the report's base_version)."""
    doc = services.knowledge.validate(shop_id, doc_id, text)
    return await services.preview.preview(doc)


@router.put("/v1/shops/{shop_id}/docs/{doc_id}", response_model=PutDocResponse,
            responses={409: {"description": "a shop requiring clean previews: the edit's preview found problems"}})
async def put_doc(shop_id: str, doc_id: str, services: ServicesDep, request: Request, response: Response,
                  text: LimitedDocument, if_match: IfMatch = None, note: Note = "") -> PutDocResponse | JSONResponse:
    version = parse_if_match(if_match)
    if shop_id in services.settings.clean_preview_shops:
        report = await services.preview.preview(services.knowledge.validate(shop_id, doc_id, text))
        if not report.clean:
            return JSONResponse(status_code=409, content={
                "error": "PreviewNotClean", "where": "body",
                "message": f"shop `{shop_id}` publishes only edits with a clean preview; this one makes "
                           f"{report.problems} case(s) worse (see `preview`)",
                "preview": report.model_dump(mode="json")})
    edit = await anyio.to_thread.run_sync(partial(services.knowledge.put, shop_id, doc_id, text,
                                                  author=author(request), note=note, if_match=version))
    response.status_code = 201 if edit.created else 200
    return _edit_response(shop_id, doc_id, edit, response)


@router.post("/v1/shops/{shop_id}/docs/{doc_id}/restore", response_model=PutDocResponse)
def restore_doc(shop_id: str, doc_id: str, body: RestoreRequest, services: ServicesDep, request: Request,
                response: Response, if_match: IfMatch = None) -> PutDocResponse:
    edit = services.knowledge.restore(shop_id, doc_id, body.version, author=author(request), note=body.note,
                                      if_match=parse_if_match(if_match))
    return _edit_response(shop_id, doc_id, edit, response)


@router.delete("/v1/shops/{shop_id}/docs/{doc_id}", status_code=204)
def delete_doc(shop_id: str, doc_id: str, services: ServicesDep, request: Request,
               if_match: IfMatch = None, note: Note = "") -> Response:
    info = services.knowledge.delete(shop_id, doc_id, author=author(request), note=note,
                                     if_match=parse_if_match(if_match))
    return Response(status_code=204, headers={"ETag": etag(info.version)})
