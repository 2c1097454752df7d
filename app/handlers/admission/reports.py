"""「思想汇报」: an activist, candidate or probationary member hands in a thought report.

With text after the keyword the report is stored at once; alone, the keyword asks for it: the
next text is the report, or photos of a handwritten one (each photo joins the same report, the
question staying open) until 「完成」.
"""

from __future__ import annotations

from app.handlers.registry import HandlerContext, MessageRouter, Reply
from app.models import AssigneeRole, ThoughtReport
from app.services import prompts
from app.services.admission import deadlines, dossiers
from app.services.admission import reports as report_service
from app.services.admission.dossiers import Dossier
from app.services.admission.reports import Photo, ReportRefused

router = MessageRouter()

REPORT = "admission.report"
ASK = "请直接回复思想汇报全文，或发送手写稿照片（可多张，10 分钟内），发完回复「完成」。"
DONE = "完成"


async def _dossier(ctx: HandlerContext) -> Dossier | None:
    person = ctx.member
    assert person.id is not None
    return await dossiers.for_person(ctx.session, person_id=person.id)


async def _ask(ctx: HandlerContext, report_id: int | None) -> None:
    await prompts.ask(
        ctx.session, openid=ctx.openid, purpose=REPORT, subject_id=report_id, now=ctx.now
    )


async def _handed_in(ctx: HandlerContext, dossier: Dossier, report: ThoughtReport) -> str:
    """Tell the contacts; confirm to the member with the quarter (and the photos)."""
    await report_service.tell_contacts(
        ctx.session, report=report, dossier=dossier, settings=ctx.settings, now=ctx.now
    )
    photos = f"（手写稿 {report.photo_count} 张照片）" if report.photo_count else ""
    told = "，已通知您的培养联系人" if dossier.people(AssigneeRole.CONTACT) else ""
    return (
        f"已收到您的{report_service.quarter_label(report.quarter)}思想汇报{photos}{told}。"
        "培养联系人阅后会给您回复。"
    )


async def _store_text(ctx: HandlerContext, dossier: Dossier, text: str, *, asked: bool) -> Reply:
    try:
        report = await report_service.submit(
            ctx.session, dossier=dossier, content=text, photos=(), via="chat", now=ctx.now
        )
    except ReportRefused as refused:
        if asked:  # the question stays open for a corrected text
            await _ask(ctx, None)
        return str(refused)
    return await _handed_in(ctx, dossier, report)


@router.text(
    "思想汇报",
    help="向培养联系人递交思想汇报（文字或手写稿照片）",
    requires_member="递交思想汇报",
)
async def on_report(ctx: HandlerContext) -> Reply:
    """The keyword: the report after it, or alone to be asked for it (text or photos)."""
    dossier = await _dossier(ctx)
    if dossier is None or not deadlines.reports_due(dossier):
        return report_service.NOT_IN_PIPELINE
    if ctx.keyword_args.strip():
        return await _store_text(ctx, dossier, ctx.keyword_args, asked=False)
    await _ask(ctx, None)
    return ASK


def _photo(ctx: HandlerContext) -> Photo | None:
    if str(ctx.fields.get("MsgType") or "") != "image":
        return None
    return Photo(
        url=str(ctx.fields.get("PicUrl") or ""), media_id=str(ctx.fields.get("MediaId") or "")
    )


@router.answer(REPORT, requires_member="递交思想汇报", accepts_images=True)
async def on_report_answer(ctx: HandlerContext, report_id: int | None) -> Reply:
    """The report's text; or a photo (the first makes the report, the next ones join it); or
    「完成」 after the photos."""
    dossier = await _dossier(ctx)
    if dossier is None or not deadlines.reports_due(dossier):
        return report_service.NOT_IN_PIPELINE
    report = await report_service.get(ctx.session, report_id=report_id) if report_id else None
    if report is not None and report.file_id != dossier.id:
        report = None
    if (photo := _photo(ctx)) is not None:
        try:
            if report is None:
                report = await report_service.submit(
                    ctx.session, dossier=dossier, content=None, photos=[photo], via="chat",
                    now=ctx.now,
                )  # fmt: skip
            else:
                await report_service.add_photo(
                    ctx.session, report=report, url=photo.url, media_id=photo.media_id, now=ctx.now
                )
        except ReportRefused as refused:
            await _ask(ctx, report.id if report is not None else None)
            return f"{refused}\n发完请回复「{DONE}」。"
        await _ask(ctx, report.id)
        return f"已收到第 {report.photo_count} 张照片。可继续发送，发完请回复「{DONE}」。"
    text = str(ctx.fields.get("Content") or "").strip()
    if report is None:
        if text == DONE:
            await _ask(ctx, None)
            return "还没有收到您的思想汇报。" + ASK
        return await _store_text(ctx, dossier, text, asked=True)
    if text != DONE:
        try:  # words typed after the photos go with them
            await report_service.set_text(ctx.session, report=report, content=text)
        except ReportRefused as refused:
            await _ask(ctx, report.id)
            return str(refused)
    return await _handed_in(ctx, dossier, report)
