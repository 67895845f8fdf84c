"""POST /v1/integrations/chatwoot/{shop_id}: Chatwoot's agent-bot webhook (answers at once, drafts in the background).

Chatwoot cannot send kefu's API keys: the webhook is authenticated by its signature when a secret is configured.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import ValidationError

from service.api.deps import ServicesDep
from service.errors import UserError
from service.integrations.chatwoot import WebhookAnswer
from service.integrations.chatwoot_payloads import ChatwootEvent

router = APIRouter()


@router.post("/v1/integrations/chatwoot/{shop_id}", response_model=WebhookAnswer)
async def chatwoot_webhook(shop_id: str, request: Request, services: ServicesDep) -> WebhookAnswer:
    body = await request.body()
    bot = services.chatwoot
    bot.verify(body, request.headers.get("x-chatwoot-timestamp"), request.headers.get("x-chatwoot-signature"))
    try:
        event = ChatwootEvent.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(["body", *(str(p) for p in first["loc"])])
        raise UserError(f"not a Chatwoot webhook payload: {first['msg']}", where=where) from None
    return await bot.accept(shop_id, event)
