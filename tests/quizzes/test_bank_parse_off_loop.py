"""A large question-bank file is parsed off the event loop; one past the XML cap is refused."""

from __future__ import annotations

import asyncio
import io
import re
import time
import zipfile

import httpx

from tests.support.app import AppClient
from tests.support.console import admin_console, csrf
from tests.support.question_bank import SUPERVISION, bank_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MB = 1024 * 1024


def padded_bank(xml_bytes: int) -> bytes:
    """The 监察法 bank with `xml_bytes` more of sheet XML: cells right of the columns read, in
    rows below the questions. Small zipped, slow to parse (openpyxl reads every cell)."""
    source = zipfile.ZipFile(io.BytesIO(bank_xlsx(SUPERVISION)))
    cells_per_row = 200
    cell = b"<c><v>1</v></c>"
    rows = xml_bytes // (len(cell) * cells_per_row)
    padding = b"".join(
        b'<row r="%d"><c r="AH%d"/>' % (n, n) + cell * cells_per_row + b"</row>"
        for n in range(len(SUPERVISION) + 2, len(SUPERVISION) + 2 + rows)
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b"</sheetData>", padding + b"</sheetData>")
                # As Excel would write it: the sheet's extent covers every row (openpyxl reads
                # no further than it says).
                last = len(SUPERVISION) + 1 + rows
                content = re.sub(
                    rb'<dimension ref="[^"]*"', b'<dimension ref="A1:GS%d"' % last, content
                )
            target.writestr(info, content)
    return buffer.getvalue()


async def _import(client: AppClient, data: bytes) -> httpx.Response:
    return await client.post(
        "/admin/questions/import",
        data={"csrf_token": await csrf(client), "bank": "监察法"},
        files={"file": ("监察法题库.xlsx", data, XLSX)},
    )


async def _finished(client: AppClient, url: str) -> bool:
    response = await client.get(url)
    assert response.status_code == 200, response.text[:500]
    return bool(response.json()["finished"])


async def test_healthz_answers_while_a_large_bank_is_parsed(console: AppClient) -> None:
    """A bank with 6 MB of XML (under the cap) takes seconds, in the background; /healthz never
    waits for it."""
    await admin_console(console)
    data = padded_bank(6 * MB)
    assert len(data) < 2 * MB  # under the upload limit: only the XML is large
    started = time.perf_counter()
    upload = await _import(console, data)
    assert upload.status_code == 303, upload.text[:2000]  # queued: the answer comes at once
    page = upload.headers["location"]
    # Each round asks /healthz and pauses 20 ms; the pause lets the import run, so a parse on
    # the event loop would show as one long round.
    waits: list[float] = []
    while not await _finished(console, page + ".json"):
        asked = time.perf_counter()
        assert (await console.get("/healthz")).status_code == 200
        await asyncio.sleep(0.02)
        waits.append(time.perf_counter() - asked)
    took = time.perf_counter() - started
    response = await console.get(page)
    assert response.status_code == 200, response.text[:2000]
    assert "导入完成" in response.text
    assert took > 0.5, f"the file parsed in {took:.2f} s: too small to show anything"
    # The parse shares the interpreter with the loop (the GIL) and this machine with others (CI
    # runs two workers on two cores), so a round may stall now and then; on the loop, one round
    # took the whole parse (about 90 % of the import). No round may wait for most of it.
    rounds = sorted(waits)
    assert len(rounds) >= 10, (took, rounds)
    assert rounds[len(rounds) // 2] < 0.15 and rounds[-1] < took * 0.6, (took, rounds)


async def test_a_bank_over_the_xml_cap_is_refused_with_the_reason(console: AppClient) -> None:
    """Past the 10 MB of XML: 400, nothing parsed, and the page says why and what to do."""
    await admin_console(console)
    data = padded_bank(11 * MB)
    assert len(data) < 2 * MB
    response = await _import(console, data)
    assert response.status_code == 400
    assert "Excel 文件解压后过大：约 12 MB，超过 10 MB 的上限。" in response.text
    assert "拆分后分批导入" in response.text
