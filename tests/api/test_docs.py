"""/docs works offline: Swagger UI comes from our own static files, never a CDN."""

from __future__ import annotations

import re

from tests.support.app import AppClient


async def test_the_api_docs_load_nothing_from_outside(client: AppClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200 and "SwaggerUIBundle" in page.text
    assert "cdn." not in page.text and "https://" not in page.text
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert len(assets) >= 3, assets
    for asset in assets:
        assert asset.startswith("/static/vendor/"), asset
        response = await client.get(asset)
        assert response.status_code == 200 and len(response.content) > 500, asset
    assert (await client.get("/openapi.json")).status_code == 200
