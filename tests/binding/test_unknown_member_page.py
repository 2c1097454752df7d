"""An address under /m/ that no page has gets the member pages' own 404, not JSON."""

from __future__ import annotations


async def test_an_unknown_member_address_shows_the_member_404_page(client) -> None:
    for path in ("/m/nope", "/m/meetings/1/nope", "/m/"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html"), path
        assert "页面不存在" in response.text and "公众号" in response.text
        assert "Not Found" not in response.text and "detail" not in response.text
    assert (await client.get("/m/bind")).status_code != 404  # real pages still answer
