"""Product pictures for a model that sees images: fetched by the app, sent as data URLs.

The addresses come from the store (its CDN, or whatever an owner put in a gallery), so every fetch
goes through the outbound guard (`outbound.py`: public addresses only, the checked address used,
redirects not followed) and an answer is cut off past `MAX_IMAGE_BYTES`. What arrives must be a
PNG, JPEG, WebP or non-animated GIF, the formats OpenAI takes
(https://platform.openai.com/docs/guides/images-vision), recognised by its first bytes rather than
by the Content-Type the remote side claims. The picture is passed on as a data URL: OpenAI's
servers could not reach a loopback sandbox or a CDN that refuses them, and a self-hosted server
need not fetch anything.

A picture that cannot be fetched is left out: the model writes that image's alt text from the
product data, as it would without vision.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Mapping

import httpx

from ..errors import AppError
from ..outbound import OutboundPolicy, OutboundTransport

log = logging.getLogger(__name__)

# A product photo at the size platforms serve it is well under this; OpenAI downsizes to 512 px for
# `detail: low` anyway.
MAX_IMAGE_BYTES = 5 * 1024 * 1024
# Pictures sent per product (the alt texts of the others are written from the data).
MAX_IMAGES = 10
_CONCURRENCY = 4


def image_type(data: bytes) -> str | None:
    """The MIME type of a PNG, JPEG, WebP or GIF by its signature; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    return None


def data_url(data: bytes) -> str | None:
    kind = image_type(data)
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}" if kind else None


class ImageFetcher:
    """Fetches pictures through the outbound guard; one per provider, closed with it."""

    def __init__(self, policy: OutboundPolicy, *, timeout: float = 15.0) -> None:
        self._http = httpx.AsyncClient(
            transport=OutboundTransport(policy, max_response_bytes=MAX_IMAGE_BYTES),
            timeout=httpx.Timeout(timeout, connect=5.0),
            follow_redirects=False,
            trust_env=False,
        )

    async def data_urls(self, urls: Mapping[str, str | None]) -> dict[str, str]:
        """{key: data URL} for the pictures that could be fetched, in the order given (at most
        MAX_IMAGES)."""
        gate = asyncio.Semaphore(_CONCURRENCY)
        wanted = [(key, url) for key, url in urls.items() if url][:MAX_IMAGES]

        async def one(url: str) -> str | None:
            async with gate:
                return await self.fetch(url)

        fetched = await asyncio.gather(*(one(url) for _, url in wanted))
        return {key: found for (key, _), found in zip(wanted, fetched, strict=True) if found}

    async def fetch(self, url: str) -> str | None:
        try:
            res = await self._http.get(url)
        except (httpx.HTTPError, AppError, ValueError) as exc:
            log.info("picture not fetched (%s): %s", type(exc).__name__, url[:200])
            return None
        if res.status_code != 200:
            log.info("picture not fetched (HTTP %s): %s", res.status_code, url[:200])
            return None
        return data_url(res.content)

    async def aclose(self) -> None:
        await self._http.aclose()
