"""The proof pack as a PDF with correctly shaped, right-to-left Arabic.

fpdf2 shapes text with HarfBuzz (``uharfbuzz``) and applies the Unicode bidi algorithm per line;
the paragraph direction is right-to-left, so numbers, SAR amounts and Latin ids sit where an
Arabic reader expects them. Short vowel marks (harakat) are left out of the PDF: fpdf2 maps a
mark and its letter to one glyph only, so a voweled letter would copy out as a stray character;
the words read the same without them, as in most printed business Arabic.

The font is DejaVu Sans, shipped in ``skills/proof/fonts`` with its licence file
(``LICENSE_DEJAVU.txt``, a free font licence that allows redistribution): no system fonts
and no download. Its Arabic glyphs carry their own Unicode mapping, so the text can
be searched and copied out of the PDF in logical order.
"""

from __future__ import annotations

import re
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from skills.proof.catalog import ProofTexts, load_texts
from skills.proof.errors import ProofError
from skills.proof.estimate import money
from skills.proof.models import ProofPack

FAMILY = "dealix-arabic"
_INK = (29, 39, 51)
_MUTED = (91, 104, 117)
_ACCENT = (15, 107, 92)
_WARN = (154, 59, 18)
_HARAKAT = re.compile("[\u064b-\u065f\u0670]")


def without_harakat(text: str) -> str:
    """The text as the PDF prints it: Arabic short vowel marks removed."""
    return _HARAKAT.sub("", text)


FONT_DIR = Path(__file__).parent / "fonts"


def font_files() -> tuple[Path, Path]:
    """DejaVu Sans regular and bold, shipped with Dealix (licence: fonts/LICENSE_DEJAVU.txt)."""
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if regular.is_file() and bold.is_file():
        return regular, bold
    raise ProofError("تعذّر العثور على الخط العربي اللازم لإنشاء ملف PDF؛ أعيدوا تثبيت Dealix.",
                     "The Arabic font for PDF output is missing from the installation: reinstall Dealix.",
                     code="pdf_font_missing")


class _PackPdf(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self._footer_text = footer_text

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=8)
        self.set_text_color(*_MUTED)
        self.cell(0, 6, without_harakat(f"{self._footer_text} · {self.page_no()}"), align="C")


class _Writer:
    def __init__(self, pdf: _PackPdf) -> None:
        self.pdf = pdf

    def text(self, text: str, *, size: float = 10.5, bold: bool = False, color: tuple[int, int, int] = _INK,
             height: float = 6.2, gap: float = 0.0) -> None:
        self.pdf.set_font(FAMILY, style="B" if bold else "", size=size)
        self.pdf.set_text_color(*color)
        self.pdf.multi_cell(0, height, without_harakat(text), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if gap:
            self.pdf.ln(gap)

    def heading(self, text: str) -> None:
        if self.pdf.get_y() > self.pdf.h - 45:
            self.pdf.add_page()
        self.pdf.ln(3)
        self.text(text, size=13.5, bold=True, color=_ACCENT, height=8)
        y = self.pdf.get_y()
        self.pdf.set_draw_color(*_ACCENT)
        self.pdf.line(self.pdf.l_margin, y, self.pdf.w - self.pdf.r_margin, y)
        self.pdf.ln(2)

    def bullet(self, text: str, **kwargs: object) -> None:
        self.text(f"• {text}", **kwargs)  # type: ignore[arg-type]


def render_pdf(pack: ProofPack, *, font: Path | None = None, bold_font: Path | None = None) -> bytes:
    texts = load_texts()
    regular, bold = (font, bold_font or font) if font is not None else font_files()
    assert bold is not None
    pdf = _PackPdf(f"Dealix · {texts.title_ar} · {pack.pack_id}")
    pdf.set_creation_date(pack.generated_at)
    pdf.set_title(without_harakat(f"{texts.title_ar} — {pack.tenant}"))
    pdf.set_lang("ar")
    pdf.set_creator("Dealix")
    pdf.set_margins(16, 16, 16)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_font(FAMILY, "", str(regular))
    pdf.add_font(FAMILY, "B", str(bold))
    pdf.set_text_shaping(use_shaping_engine=True, direction="rtl", script="arab", language="ara")
    pdf.add_page()
    _write(_Writer(pdf), pack, texts)
    return bytes(pdf.output())


def _write(w: _Writer, pack: ProofPack, t: ProofTexts) -> None:
    labels = t.labels
    w.text(t.title_ar, size=20, bold=True, color=_ACCENT, height=11)
    w.text(t.subtitle_ar, color=_MUTED)
    w.text(f"{labels['tenant']}: {pack.tenant}", color=_MUTED)
    w.text(f"{labels['period']}: {pack.period.start_ar} — {pack.period.end_ar}", color=_MUTED)
    w.text(f"{labels['generated_at']}: {pack.generated_ar}", color=_MUTED)
    w.text(f"{labels['pack_id']}: {pack.pack_id} · {labels['policy_version']}: {pack.policy_version}",
           size=9, color=_MUTED)

    w.heading(f"{t.sections['created']} ({pack.created_total})")
    for line in pack.created:
        w.bullet(f"{line.label_ar}: {line.count}" + (f" — {line.detail_ar}" if line.detail_ar else ""))
    if not pack.created:
        w.text(labels["none_created"])

    p = pack.protected
    w.heading(f"{t.sections['protected']} ({p.total})")
    for key, value in (("risks_blocked", p.risks_blocked), ("contacts_protected", p.contacts_protected),
                       ("deal_risks", p.deal_risks_detected)):
        w.bullet(f"{labels[key]}: {value}", bold=True)
    if p.lines:
        w.text(f"{labels['by_reason']} ({p.blocked})", size=9.5, color=_MUTED)
    for reason in p.lines:
        w.bullet(f"{reason.label_ar}: {reason.count}", size=9.5, color=_MUTED)
    if not p.lines:
        w.text(labels["none_protected"])

    a = pack.awaiting_approval
    w.heading(f"{t.sections['awaiting_approval']} ({a.count})")
    for item in a.items:
        w.bullet(f"{item.label_ar} — {labels['expires_at']}: {item.expires_ar}")
        w.text(f"{labels['approvers']}: {'، '.join(item.approver_roles_ar)} · {item.approval_id}", size=9,
               color=_MUTED)
    if a.more:
        w.text(t.label("more_pending", count=a.more), color=_MUTED)
    if not a.items:
        w.text(labels["none_pending"])

    e = pack.revenue_estimate
    w.heading(t.sections["revenue_estimate"])
    w.text(e.disclaimer_ar, size=9.5, color=_WARN, gap=1.5)
    if e.lines:
        span = t.label("span", low=f"{money(e.low_sar)} {labels['sar']}", high=f"{money(e.high_sar)} {labels['sar']}")
        w.text(f"{labels['likely']}: {money(e.likely_sar)} {labels['sar']} ({span})", size=12, bold=True)
        for est in e.lines:
            est_span = t.label("span", low=money(est.low_sar), high=money(est.high_sar))
            w.bullet(f"{est.label_ar}: {est.formula_ar} = {money(est.likely_sar)} {labels['sar']} ({est_span})")
        w.text(f"{labels['currency_note']}. {e.method_ar}", size=9, color=_MUTED)
    else:
        w.text(labels["none_estimate"])
    w.text(t.sections["assumptions"], size=11, bold=True, height=7)
    for assumption in e.assumptions:
        w.bullet(f"{assumption.label_ar}: {assumption.display_ar}", size=9.5)
        w.text(assumption.source_ar, size=8.5, color=_MUTED)

    w.heading(t.sections["next_action"])
    w.text(pack.next_action.title_ar, bold=True)
    w.text(pack.next_action.detail_ar)

    w.heading(t.sections["upgrade_path"])
    for number, step in enumerate(pack.upgrade_path, start=1):
        w.text(f"{number}. {step.title_ar}", bold=True)
        w.text(step.detail_ar, size=9.5, color=_MUTED)

    w.heading(t.sections["audit"])
    w.text(pack.audit.summary_ar, color=_INK if pack.audit.chain_ok else _WARN)
    w.text(t.label("events_in_period", count=pack.audit.events_in_period), size=9, color=_MUTED)
    w.text(labels["footer"], size=8.5, color=_MUTED, gap=0)
