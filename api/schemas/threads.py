"""Schemas of ``/api/v1/threads``: operator chat threads and their streamed turns."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from graphs.operator_runtime import MAX_MESSAGE_CHARS, ChatMessage
from graphs.threads import ThreadInfo
from skills.operator.events import ThreadEvent


class ThreadCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"title": "متابعة اليوم"}]})

    title: str | None = Field(default=None, max_length=120, description="Optional title; the first request otherwise.")


class ThreadList(BaseModel):
    threads: list[ThreadInfo]


class ThreadDetail(BaseModel):
    thread: ThreadInfo
    messages: list[ChatMessage] = Field(description="The conversation so far, oldest first.")


class MessageCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"text": "رتب لي أفضل ١٠ عملاء اليوم"}, {"text": "وش اللي ينتظر موافقتي؟"},
        {"text": "show this week's proof pack"}]})

    text: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS, description="The request, Arabic or English.")


__all__ = ["ChatMessage", "MessageCreate", "ThreadCreate", "ThreadDetail", "ThreadEvent", "ThreadInfo", "ThreadList"]
