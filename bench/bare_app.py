"""The baseline: a bare FastAPI endpoint that reads the body and answers "success"."""

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse

app = FastAPI()


@app.post("/wechat")
async def receive(request: Request) -> PlainTextResponse:
    """Read the body, do nothing, say success."""
    await request.body()
    return PlainTextResponse("success")
