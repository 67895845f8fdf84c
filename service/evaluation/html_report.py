"""A self-contained HTML report of a golden run: inline CSS and SVG charts, no external assets."""

from __future__ import annotations

from html import escape
from pathlib import Path

from service.evaluation.results import CaseResult, RunResult, Stat

REPORT_FILE = "report.html"
BAR_METRICS = (("decision", "#4e79a7"), ("must_state", "#f28e2b"), ("guard_pass", "#59a14f"),
               ("rouge_l", "#b07aa1"))
TABLE_METRICS = ("retrieval_hit", "guard_pass", "decision", "must_state", "never_say", "rouge_l",
                 "embedding_cosine", "llm_judge", "latency_ms", "tokens")
CSS = """
body{font:14px/1.45 system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:24px;color:#222}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}table{border-collapse:collapse;margin:8px 0}
td,th{border:1px solid #ddd;padding:3px 7px;text-align:right;vertical-align:top}
th{background:#f4f4f4}td.l,th.l{text-align:left}.bad{background:#fde2e1}.good{background:#e3f4e1}
.meta{color:#555}details{max-width:560px;text-align:left}summary{cursor:pointer}.small{font-size:12px;color:#555}
"""


def _num(value: float | None, digits: int = 3) -> str:
    if value is None:
        return "–"
    return f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:.0f}"


def category_bars(by_category: dict[str, dict[str, Stat]], order: list[str]) -> str:
    """Horizontal grouped bars: one group per category, one bar per metric of BAR_METRICS (0..1)."""
    label_w, bar_w, bar_h, gap = 150, 360, 7, 8
    group_h = bar_h * len(BAR_METRICS) + gap
    height = 30 + group_h * len(order)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 60}" height="{height}" '
             f'font-size="11" role="img" aria-label="mean scores per category">']
    for i, (metric, colour) in enumerate(BAR_METRICS):
        parts.append(f'<rect x="{label_w + i * 95}" y="4" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{label_w + i * 95 + 14}" y="13">{metric}</text>')
    for row, name in enumerate(order):
        top = 24 + row * group_h
        stats = by_category.get(name, {})
        count = max((s.n for s in stats.values()), default=0)
        parts.append(f'<text x="{label_w - 6}" y="{top + group_h / 2}" text-anchor="end">'
                     f'{escape(name)} ({count})</text>')
        for i, (metric, colour) in enumerate(BAR_METRICS):
            value = stats[metric].mean if metric in stats else None
            y = top + i * bar_h
            width = bar_w * max(0.0, min(1.0, value or 0.0))
            parts.append(f'<rect x="{label_w}" y="{y}" width="{width:.1f}" height="{bar_h - 1}" '
                         f'fill="{colour}"><title>{escape(name)} {metric}: {_num(value)}</title></rect>')
            parts.append(f'<text x="{label_w + width + 3:.1f}" y="{y + bar_h - 1}" font-size="8">'
                         f'{_num(value, 2)}</text>')
    parts.append(f'<line x1="{label_w}" y1="20" x2="{label_w}" y2="{height}" stroke="#999"/></svg>')
    return "".join(parts)


def latency_histogram(values: list[float], bins: int = 12) -> str:
    """Vertical bars: how many cases took how long (ms), equal-width bins from min to max."""
    if not values:
        return "<p>no latencies</p>"
    low, high = min(values), max(values)
    step = (high - low) / bins or 1.0
    counts = [0] * bins
    for value in values:
        counts[min(bins - 1, int((value - low) / step))] += 1
    width, height, pad = 520, 180, 34
    bar = (width - pad) / bins
    peak = max(counts)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width + 24}" height="{height + 30}" '
             f'font-size="10" role="img" aria-label="latency histogram">']
    for i, count in enumerate(counts):
        h = (height - 20) * count / peak
        x = pad + i * bar
        parts.append(f'<rect x="{x:.1f}" y="{height - h:.1f}" width="{bar - 2:.1f}" height="{h:.1f}" '
                     f'fill="#4e79a7"><title>{low + i * step:.0f}–{low + (i + 1) * step:.0f} ms: '
                     f'{count}</title></rect>')
        if count:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{height - h - 3:.1f}" '
                         f'text-anchor="middle">{count}</text>')
    for i in range(0, bins + 1, 3):
        parts.append(f'<text x="{pad + i * bar:.1f}" y="{height + 14}" text-anchor="middle">'
                     f'{low + i * step:.0f}</text>')
    parts.append(f'<line x1="{pad}" y1="{height}" x2="{width}" y2="{height}" stroke="#999"/>'
                 f'<text x="{width / 2}" y="{height + 28}" text-anchor="middle">ms per request</text></svg>')
    return "".join(parts)


def _stats_table(groups: dict[str, dict[str, Stat]], metrics: list[str], title: str) -> str:
    head = "".join(f"<th>{m}</th>" for m in metrics)
    rows = []
    for name, stats in groups.items():
        cells = "".join(f"<td>{_num(stats[m].mean) if m in stats else '–'}</td>" for m in metrics)
        n = max((s.n for s in stats.values()), default=0)
        rows.append(f'<tr><td class="l">{escape(name)}</td><td>{n}</td>{cells}</tr>')
    return f'<table><tr><th class="l">{title}</th><th>n</th>{head}</tr>{"".join(rows)}</table>'


def _cell(case: CaseResult, metric: str, direction: str) -> str:
    score = case.scores.get(metric)
    if score is None or score.value is None:
        return "<td>–</td>"
    good = {"higher": score.value >= 0.999, "lower": score.value == 0}.get(direction)
    css = "" if good is None or metric in ("rouge_l", "embedding_cosine") else (" good" if good else " bad")
    tip = escape(score.explanation)
    digits = 0 if metric in ("latency_ms", "tokens") else 2
    return f'<td class="{css.strip()}" title="{tip}">{_num(score.value, digits)}</td>'


def _case_rows(run: RunResult, metrics: list[str]) -> str:
    rows = []
    for case in run.cases:
        decision_css = "good" if case.decision == case.expected_decision else "bad"
        notes = [f"{name}: {s.explanation}" for name, s in case.scores.items()
                 if s.value is not None and name in ("must_state", "never_say", "guard_pass", "llm_judge")
                 and (s.value > 0 if run.directions.get(name) == "lower" else s.value < 1)]
        detail = (f'<details><summary>{escape(case.answer[:48])}…</summary><p><b>top draft</b> '
                  f'{escape(case.answer)}</p><p><b>golden</b> {escape(case.golden_reply)}</p>'
                  f'<p class="small">{"<br>".join(escape(n) for n in notes)}</p></details>')
        if case.error:
            detail = f'<span class="bad">{escape(case.error)}</span>'
        cells = "".join(_cell(case, m, run.directions.get(m, "info")) for m in metrics)
        rows.append(f'<tr><td class="l">{escape(case.case_id)}</td><td class="l">{escape(case.category)}</td>'
                    f'<td class="l {decision_css}">{escape(case.expected_decision)}<br>'
                    f'<span class="small">got {escape(case.decision or "–")}</span></td>{cells}'
                    f'<td class="l">{detail}</td></tr>')
    head = "".join(f"<th>{m}</th>" for m in metrics)
    return (f'<table><tr><th class="l">case</th><th class="l">category</th><th class="l">decision</th>{head}'
            f'<th class="l">answer</th></tr>{"".join(rows)}</table>')


def render_html(run: RunResult, category_order: list[str] | None = None) -> str:
    """The whole report as one HTML string."""
    metrics = [m for m in TABLE_METRICS if m in run.directions]
    overall = run.aggregates.overall
    order = [c for c in (category_order or []) if c in run.aggregates.by_category]
    order += [c for c in run.aggregates.by_category if c not in order]
    summary = "".join(
        f'<tr><td class="l">{escape(name)}</td><td>{s.n}</td><td>{_num(s.mean)}</td><td>{_num(s.p50)}</td>'
        f'<td>{_num(s.p95)}</td><td>{_num(s.total)}</td></tr>' for name, s in overall.items())
    cfg = run.config
    extra = (f" · server {escape(cfg.server)}" if cfg.server else "") + (
        f" · judge {escape(cfg.judge_model)}" if cfg.judge_model else "")
    latencies = [c.scores["latency_ms"].value for c in run.cases
                 if "latency_ms" in c.scores and c.scores["latency_ms"].value is not None]
    return f"""<!doctype html><html lang="zh"><head><meta charset="utf-8">
<title>kefu eval · {escape(cfg.suite)} · {escape(run.run_id)}</title><style>{CSS}</style></head><body>
<h1>kefu golden eval · suite {escape(cfg.suite)}</h1>
<p class="meta">run {escape(run.run_id)} · {run.created_at:%Y-%m-%d %H:%M} UTC · model {escape(cfg.model)} ·
embedder {escape(cfg.embedder)} · {len(run.cases)} cases · {len(run.errors)} errors · wall {run.wall_s:.1f} s
{extra}</p>
<h2>Overall</h2><table><tr><th class="l">scorer</th><th>n</th><th>mean</th><th>p50</th><th>p95</th>
<th>total</th></tr>
{summary}</table>
<h2>Per category (mean)</h2>{category_bars(run.aggregates.by_category, order)}
<h2>Per stage and language</h2>{_stats_table(run.aggregates.by_stage, metrics, "stage")}
{_stats_table(run.aggregates.by_language, metrics, "language")}
<h2>Latency</h2>{latency_histogram([v for v in latencies if v is not None])}
<h2>Cases</h2>
<p class="small">Hover a score for its explanation; open an answer to compare it with the golden reply.</p>
{_case_rows(run, metrics)}
</body></html>
"""


def write_report(run: RunResult, out_dir: Path, category_order: list[str] | None = None) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / REPORT_FILE
    target.write_text(render_html(run, category_order), encoding="utf-8")
    return target
