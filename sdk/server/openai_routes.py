"""The OpenAI-compatible routes: ``GET /v1/models`` and ``POST /v1/chat/completions``.

The standard ``user`` field names the person; an optional ``edgealign`` object chooses the
conditioning and whether the user's message is recorded as history::

    {"model": "...", "user": "ada", "messages": [...], "stream": true,
     "edgealign": {"conditioning": "pba", "record": true}}

Streaming answers are server-sent events in OpenAI's chunk format, ending with ``[DONE]``.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from typing import Any, AsyncIterator, Literal, Union

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from sse_starlette import EventSourceResponse
from starlette.responses import JSONResponse

from ..sampling import MAX_TOKENS_MAX, TEMPERATURE, TEMPERATURE_MAX, TOP_P, TOP_P_MAX
from ..store import TokenGrant
from .errors import APIError, as_api_error, error_body
from .worker import ChatJob

__all__ = ["router", "ChatRequest"]

router = APIRouter(tags=["OpenAI-compatible"])


class TextPart(BaseModel):
    type: Literal["text"] = "text"
    text: str


class Message(BaseModel):
    model_config = ConfigDict(extra="ignore")
    role: Literal["system", "developer", "user", "assistant"]
    content: Union[str, list[TextPart], None] = ""

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(p.text for p in self.content)
        return self.content or ""


class EdgeAlignOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    conditioning: str | None = Field(None, description="a registered conditioning (edgealign.conditioning.names()); "
                                                       "default: the Personalizer's default_conditioning, which "
                                                       "`edgealign doctor` shows")
    record: bool = Field(False, description="store the user's last message in their history")


class StreamOptions(BaseModel):
    include_usage: bool = False


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    model: str
    messages: list[Message] = Field(min_length=1)
    user: str | None = Field(None, description="the person whose profile conditions the answer")
    stream: bool = False
    stream_options: StreamOptions | None = None
    max_tokens: int | None = Field(None, ge=1, le=MAX_TOKENS_MAX)
    max_completion_tokens: int | None = Field(None, ge=1, le=MAX_TOKENS_MAX)
    temperature: float = Field(TEMPERATURE, ge=0, le=TEMPERATURE_MAX)
    top_p: float = Field(TOP_P, gt=0, le=TOP_P_MAX)
    stop: Union[str, list[str], None] = None
    seed: int | None = None
    n: int = Field(1, ge=1, le=1, description="only 1 is supported")
    edgealign: EdgeAlignOptions | None = None


def _grant(request: Request) -> TokenGrant:
    grant: TokenGrant = request.app.state.auth.grant(request)
    return grant


@router.get("/v1/models", summary="The model this server answers with")
def list_models(request: Request, grant: TokenGrant = Depends(_grant)) -> dict[str, Any]:
    model_id = request.app.state.config.model_id
    return {"object": "list", "data": [{"id": model_id, "object": "model", "created": request.app.state.started,
                                        "owned_by": "edgealign"}]}


@router.post("/v1/chat/completions", summary="A chat completion personalized for `user`", response_model=None)
async def chat_completions(body: ChatRequest, request: Request,
                           grant: TokenGrant = Depends(_grant)) -> JSONResponse | EventSourceResponse:
    state = request.app.state
    job = await _job(body, request, grant)
    state.generator.submit(job)
    first = await _next(job, request)
    if first[0] == "error":
        raise _refusal(first[1], job, state.config)
    meta = {"id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "created": int(time.time()), "model": body.model}
    if body.stream:
        include_usage = bool(body.stream_options and body.stream_options.include_usage)
        return EventSourceResponse(_sse(job, first, meta, include_usage, request), sep="\n",
                                   shutdown_grace_period=state.config.shutdown_s)
    text = []
    event = first
    while event[0] == "chunk":
        text.append(event[1])
        event = await _next(job, request)
    if event[0] == "error":
        raise _refusal(event[1], job, state.config)
    message = {"role": "assistant", "content": "".join(text)}
    return JSONResponse({**meta, "object": "chat.completion", "system_fingerprint": None,
                         "choices": [{"index": 0, "message": message, "logprobs": None,
                                      "finish_reason": job.finish_reason}], "usage": job.usage})


async def _job(body: ChatRequest, request: Request, grant: TokenGrant) -> ChatJob:
    """Check the request against the token, the model and the conditioning; build its job."""
    state = request.app.state
    if body.model != state.config.model_id:
        raise APIError(404, f"the model {body.model!r} does not exist here; GET /v1/models lists "
                            f"{state.config.model_id!r}", "model_not_found", param="model")
    if not body.user:
        raise APIError(400, "set `user` to the name of the person to answer for (the persona)", "missing_user",
                       param="user")
    await _threaded(state.auth.require_user, grant, body.user)
    if not await _threaded(state.personalizer.has_user, body.user):
        raise APIError(404, "no such user", "user_not_found", param="user")
    options = body.edgealign or EdgeAlignOptions()
    conditioning = options.conditioning or state.default_conditioning
    if conditioning not in state.conditionings:
        raise APIError(400, f"unknown conditioning {conditioning!r}; use one of {', '.join(state.conditionings)}",
                       "invalid_conditioning", param="edgealign.conditioning")
    messages = [{"role": "system" if m.role == "developer" else m.role, "content": m.text()} for m in body.messages]
    if messages[-1]["role"] != "user":
        raise APIError(400, "the last message must be the user's", "invalid_messages", param="messages")
    stop = [body.stop] if isinstance(body.stop, str) else body.stop
    max_tokens = body.max_completion_tokens or body.max_tokens or state.config.default_max_tokens
    if max_tokens >= state.config.n_ctx:
        raise APIError(400, f"max_tokens must be below this server's context of {state.config.n_ctx} tokens, which "
                            "also holds the prompt; ask for fewer, or restart the server with a larger "
                            "`edgealign serve --n-ctx N`", "context_length_exceeded", param="max_tokens")
    return ChatJob(body.user, messages, {"conditioning": conditioning, "max_tokens": max_tokens,
                                         "temperature": body.temperature, "top_p": body.top_p, "stop": stop,
                                         "seed": body.seed},
                   before=_recorder(body.user, messages) if options.record else None)


#: The library's messages for a prompt over the context, and the advice they end with (given in
#: Python's terms: a server's client cannot change n_ctx, and the operator sets it by a flag).
_OVERFLOW = re.compile(r"over the budget of|the context of \d+")
_LIBRARY_ADVICE = re.compile(r";\s*(raise the context size|open the model with a larger n_ctx)[^;]*$")


def _refusal(exc: BaseException, job: ChatJob, config: Any) -> APIError:
    """The error a failed chat answers; a prompt that does not fit the context says so in the
    terms of whoever can act: the client (shorter messages, a smaller max_tokens) and the person
    who runs the server (`edgealign serve --n-ctx`)."""
    e = as_api_error(exc)
    if e.code != "context_length_exceeded" or not _OVERFLOW.search(e.message):
        return e
    said = _LIBRARY_ADVICE.sub("", e.message)
    return APIError(400, f"{said}. This server's context is {config.n_ctx} tokens, {job.options['max_tokens']} of "
                         "them kept for the reply (max_tokens): send fewer or shorter messages or a smaller "
                         "max_tokens, or restart the server with a larger `edgealign serve --n-ctx N`",
                    e.code, param=e.param)


def _recorder(user: str, messages: list[dict[str, str]]) -> Any:
    """Store the user's last message as a comment on what the assistant said before it."""
    said = next((m["content"] for m in reversed(messages[:-1]) if m["role"] == "assistant"), "")
    return lambda p: p.record_comment(user, said, messages[-1]["content"])


async def _threaded(fn: Any, *args: Any) -> Any:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(fn, *args)


async def _next(job: ChatJob, request: Request) -> tuple[str, Any]:
    """The job's next event; cancels the job if the client goes away while it waits."""
    while True:
        try:
            return await asyncio.wait_for(job.events.get(), timeout=0.5)
        except asyncio.TimeoutError:
            if await request.is_disconnected():
                job.cancel()
                return "error", APIError(499, "the client went away", "cancelled")


async def _sse(job: ChatJob, first: tuple[str, Any], meta: dict[str, Any], include_usage: bool,
               request: Request) -> AsyncIterator[dict[str, str]]:
    """OpenAI's chunk stream; the job is cancelled if the client disconnects."""
    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, str]:
        data = {**meta, "object": "chat.completion.chunk", "system_fingerprint": None,
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
        return {"data": json.dumps(data, ensure_ascii=False)}
    try:
        yield chunk({"role": "assistant", "content": ""})
        event = first
        while event[0] == "chunk":
            yield chunk({"content": event[1]})
            event = await _next(job, request)
        if event[0] == "error":
            e = as_api_error(event[1])
            yield {"data": json.dumps(error_body(e.status, e.message, e.code))}
            return
        yield chunk({}, job.finish_reason)
        if include_usage:
            data = {**meta, "object": "chat.completion.chunk", "choices": [], "usage": job.usage}
            yield {"data": json.dumps(data)}
        yield {"data": "[DONE]"}
    finally:
        job.cancel()  # a no-op once done; stops the worker when the client left mid-stream
