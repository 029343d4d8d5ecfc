"""``dealix partners``: suggestions with their scorecards, a meeting brief, an offer, the revenue tracker.

Suggestions are recorded with the gateway (``partner.suggest``, internal). Nothing here drafts or
sends a message: a first message to a partner goes through the partner graph and an approval
(API ``POST /api/v1/partners/message-draft``).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from dealix.cli.output import fail, print_json, stdout
from dealix.settings import get_settings
from dealix.wiring import build_gateway
from skills.partners.factory import DEFAULT_TENANT, build_service
from skills.partners.models import OfferModel, PartnerSuggestion
from skills.partners.service import PartnerService
from tools.errors import GatewayError

partners_app = typer.Typer(help="Partner OS: suggestions, scorecards, offers, meeting briefs, revenue.",
                           no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output (UTF-8 JSON).")]
TenantOpt = Annotated[str, typer.Option("--tenant", help="Tenant whose partners to use.")]


def _service(tenant: str) -> PartnerService:
    settings = get_settings()
    return build_service(settings, tenant=tenant, gateway=build_gateway(settings))


@partners_app.command("suggest")
def suggest(
    top: Annotated[int, typer.Option("--top", min=1, max=200, help="How many partners to show.")] = 10,
    json_out: JsonOpt = False,
    tenant: TenantOpt = DEFAULT_TENANT,
) -> None:
    """Partners ranked by fit, reach, trust, overlap and revenue potential (the sample list if none imported)."""
    try:
        suggestions = _service(tenant).suggest(top)
    except GatewayError as error:
        raise fail(error) from error
    if json_out:
        print_json([s.model_dump(mode="json") for s in suggestions])
    else:
        _show(suggestions)


def _show(suggestions: list[PartnerSuggestion]) -> None:
    console = stdout()
    console.print(f"الشركاء المقترحون · suggested partners ({len(suggestions)})", markup=False, highlight=False)
    for s in suggestions:
        card = s.scorecard
        flag = " ⚠ منافس محتمل" if card.competitor.flagged else ""
        console.print(f"\n{s.rank}. {card.partner_name} [{card.partner_id}] — {card.type_ar} — "
                      f"الدرجة {card.total:.1f}{flag}", markup=False, highlight=False)
        for c in card.components:
            reasons = " ".join(c.reasons_ar)
            console.print(f"   {c.label_ar}: {c.score:.0f} × {c.weight:g} = {c.weighted:.1f} — {reasons}",
                          markup=False, highlight=False)
        if card.competitor.flagged:
            console.print(f"   {card.competitor.reason_ar}", markup=False, highlight=False)
        channel = {"email": "بريد إلكتروني", "whatsapp": "واتساب"}.get(s.channel or "", "لا توجد قناة نظامية")
        console.print(f"   العرض المقترح: {s.recommended_offer_ar} · قناة التواصل الأولى: {channel}",
                      markup=False, highlight=False)


@partners_app.command("brief")
def brief(
    partner_id: Annotated[str, typer.Argument(help="Partner id, e.g. P-001.")],
    model: Annotated[OfferModel | None, typer.Option("--model", help="referral, revenue_share or co_delivery.")
                     ] = None,
    json_out: JsonOpt = False,
    tenant: TenantOpt = DEFAULT_TENANT,
) -> None:
    """The internal brief for a first meeting (Markdown, Arabic)."""
    try:
        result = _service(tenant).brief(partner_id, model=model)
    except GatewayError as error:
        raise fail(error) from error
    if json_out:
        print_json(result.model_dump(mode="json"))
    else:
        stdout().print(result.markdown, markup=False, highlight=False)


@partners_app.command("offer")
def offer(
    partner_id: Annotated[str, typer.Argument(help="Partner id, e.g. P-001.")],
    model: Annotated[OfferModel | None, typer.Option("--model", help="referral, revenue_share or co_delivery.")
                     ] = None,
    rate: Annotated[float | None, typer.Option("--rate", help="Percentage, within the model's bounds.")] = None,
    months: Annotated[int | None, typer.Option("--months", help="Term in months.")] = None,
    json_out: JsonOpt = False,
    tenant: TenantOpt = DEFAULT_TENANT,
) -> None:
    """Offer terms for a partner: rate, term, payment timing, and the standard clauses."""
    try:
        result = _service(tenant).offer(partner_id, model=model, rate_pct=rate, duration_months=months)
    except GatewayError as error:
        raise fail(error) from error
    if json_out:
        print_json(result.model_dump(mode="json"))
        return
    console = stdout()
    for line in (result.summary_ar, result.example_ar, *result.notes_ar, *result.clauses_ar):
        console.print(line, markup=False, highlight=False)


@partners_app.command("import")
def import_candidates(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV, JSON or YAML.")],
    tenant: TenantOpt = DEFAULT_TENANT,
) -> None:
    """Replace the tenant's partner candidates with the ones in FILE."""
    try:
        count = _service(tenant).import_candidates(file)
    except GatewayError as error:
        raise fail(error) from error
    stdout().print(f"استُورد {count} شريكاً مرشحاً · imported {count} partner candidates", markup=False,
                   highlight=False)


@partners_app.command("referral")
def referral(
    partner_id: Annotated[str, typer.Argument(help="Partner id, e.g. P-001.")],
    company: Annotated[str, typer.Argument(help="The referred company's name.")],
    referred_on: Annotated[datetime, typer.Option("--on", formats=["%Y-%m-%d"], help="Day of the referral.")],
    json_out: JsonOpt = False,
    tenant: TenantOpt = DEFAULT_TENANT,
) -> None:
    """Record a company a partner referred to us."""
    try:
        added = _service(tenant).tracker.add_referral(partner_id, company, referred_on.date())
    except GatewayError as error:
        raise fail(error) from error
    if json_out:
        print_json(added.model_dump(mode="json"))
        return
    stdout().print(f"سُجّلت الإحالة {added.referral_id} من الشريك {partner_id} · referral recorded", markup=False,
                   highlight=False)


@partners_app.command("deal")
def deal(
    referral_id: Annotated[str, typer.Argument(help="The referral the deal came from.")],
    amount: Annotated[str, typer.Option("--amount", help="Collected, SAR excluding VAT (at least 0.01).")],
    collected_on: Annotated[datetime, typer.Option("--on", formats=["%Y-%m-%d"], help="Day it was collected.")],
    json_out: JsonOpt = False,
    tenant: TenantOpt = DEFAULT_TENANT,
) -> None:
    """Record a referred deal's collected amount; its commission is computed from the agreement in force."""
    try:
        won, commission = _service(tenant).tracker.record_deal(referral_id, amount, collected_on.date())
    except GatewayError as error:
        raise fail(error) from error
    if json_out:
        print_json({"deal": won.model_dump(mode="json"), "commission": commission.model_dump(mode="json")})
        return
    stdout().print(f"سُجّلت الصفقة {won.deal_id}: {won.amount_sar:,.2f} ريال · العمولة {commission.amount_sar:,.2f} "
                   f"ريال — {commission.reason_ar}", markup=False, highlight=False)


@partners_app.command("revenue")
def revenue(json_out: JsonOpt = False, tenant: TenantOpt = DEFAULT_TENANT) -> None:
    """Referrals -> deals -> commissions per partner, in SAR."""
    summary = _service(tenant).tracker.summary()
    if json_out:
        print_json(summary.model_dump(mode="json"))
        return
    console = stdout()
    for row in summary.partners:
        console.print(f"{row.partner_id}: إحالات {row.referrals} · صفقات {row.won_deals} · إيراد "
                      f"{row.revenue_sar:,.2f} ريال · عمولات {row.commission_sar:,.2f} ريال "
                      f"(مستحقة {row.commission_due_sar:,.2f}، مدفوعة {row.commission_paid_sar:,.2f})",
                      markup=False, highlight=False)
    console.print(f"الإجمالي: إيراد {summary.revenue_sar:,.2f} ريال · عمولات {summary.commission_sar:,.2f} ريال",
                  markup=False, highlight=False)
