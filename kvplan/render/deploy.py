"""``kvplan plan``'s report: the cheapest deployments that meet the SLA, their launch commands,
and (``--explain``) one line per survivor and per configuration given up, saying why."""
from __future__ import annotations

import shlex
import textwrap

from ..errors import opt, render as say


def _ms(v) -> str:
    return "-" if v is None else (f"{v:,.0f}" if v >= 100 else f"{v:.1f}")


def describe(c, words=None) -> str:
    """A deployment in words: ``words`` names a parameter (the CLI's flags; None: the library's)."""
    ep = (f", experts over EP {c.ep} (TP {c.tp} × DP {c.dp}; all-to-all priced)" if c.ep > 1 else
          f", {c.dp} DP attention ranks" + (" in lockstep (SGLang)" if c.dp_attention else "") if c.dp > 1 else "")
    layout = c.layout
    if not c.replicas:  # given up before any replica count was simulated: its shape only
        layout = f"TP {c.tp}" if c.mode == "aggregated" else f"prefill TP {c.prefill_tp} + decode TP {c.tp}"
    seqs = say(opt("max_num_seqs", c.max_num_seqs), words)
    return f"{c.gpu} {layout}, {seqs}{ep}" + (f", KV over {c.link}" if c.link else "")


def commands(c, engine: str, model: str, max_model_len: int | None = None,
             gpu_memory_utilization: float | None = None) -> list[str]:
    """The launch commands of one deployment; ``max_model_len`` (plan's --max-model-len, what it
    simulated) on each, else the engine serves at its own default (vLLM: a LongRoPE model's
    original length), not the length planned; likewise plan's --gpu-memory-utilization."""
    from ..engines.launch import serve_command

    mml, gmu = max_model_len, gpu_memory_utilization
    if c.mode == "aggregated":
        n = c.tp * (1 if c.dp_attention else c.dp)
        many = f"{c.replicas} replicas, each on {n} × {c.gpu}, behind a least-loaded router"
        return [f"# {many if c.replicas > 1 else f'one replica on {n} × {c.gpu}'}:",
                serve_command(engine, model, c.tp, c.max_num_seqs, max_model_len=mml, data_parallel_size=c.dp,
                              enable_expert_parallel=c.ep > 1, dp_attention=c.dp_attention,
                              gpu_memory_utilization=gmu)]
    return [f"# prefill pool: {c.prefill_replicas} × ({c.prefill_tp} × {c.gpu}):",
            serve_command(engine, model, c.prefill_tp, None, "prefill", max_model_len=mml,
                          gpu_memory_utilization=gmu),
            f"# decode pool: {c.replicas} × ({c.tp} × {c.gpu}), KV over {c.link}:",
            serve_command(engine, model, c.tp, c.max_num_seqs, "decode", max_model_len=mml,
                          gpu_memory_utilization=gmu)]


def shell_lines(cmd: str, width: int) -> list[str]:
    """A shell command folded to ``width`` columns with `` \\`` continuations, so that it pastes
    as it is: breaks fall between arguments, an option kept with its value, continuation lines
    indented by two; an option and value wider than the line go on lines of their own."""
    args = shlex.split(cmd)
    groups: list[list[str]] = []
    for a in args:
        if groups and groups[-1][0].startswith("-") and len(groups[-1]) == 1 and not a.startswith("-"):
            groups[-1].append(a)
        else:
            groups.append([a])
    lines: list[str] = []
    line = ""
    for g in groups:
        text = " ".join(shlex.quote(a) for a in g)
        indent = "  " if lines or line else ""
        if line and len(line) + 1 + len(text) + 2 <= width:
            line += " " + text
            continue
        if line:
            lines.append(line + " \\")
        if len(indent) + len(text) + 2 > width and len(g) == 2:  # the option, then its value
            lines.append(indent + shlex.quote(g[0]) + " \\")
            text = shlex.quote(g[1])
        line = (indent if lines else "") + text
    lines.append(line)
    return lines


def verdicts(res, words=None) -> list[str]:
    """One line per survivor (why it won or lost) and per configuration that never met the SLA;
    ``words`` names a parameter (the CLI's flags; None: the library's)."""
    w = res.workload
    out = []
    rows = res.rows
    best = rows[0][0] if rows else None
    for i, (c, alike) in enumerate(rows, start=1):
        also = (f" ({say(opt('max_num_seqs'), words)} {', '.join(map(str, alike))} simulated alike: the limit never bound)"
                if alike else "")
        head = (f"#{i} {describe(c, words)}{also}: TTFT p90 {_ms(c.ttft_p90_ms)} <= {w.ttft_p90_ms:g} ms, ITL p90 "
                f"{_ms(c.itl_p90_ms)} <= {w.itl_p90_ms:g} ms; {c.gpus} GPU{'s' if c.gpus > 1 else ''} = ${c.usd_per_hour:,.2f}/h at "
                f"{c.offered_output_tokens_per_s:,.0f} output tokens/s offered = ${c.usd_per_m_output:,.3f} per M")
        if c is best:
            why = "won: the cheapest per output token"
            if len(rows) > 1:
                d = rows[1][0].usd_per_m_output - c.usd_per_m_output
                why += (f" (#2 costs ${d:,.3f} more per M)" if d > 0 else
                        " (tied with #2 on cost; first on fewer GPUs, then lower TTFT p90)")
        else:
            d = c.usd_per_m_output - best.usd_per_m_output
            why = f"lost to #1 by ${d:,.3f} per M (+{d / best.usd_per_m_output:.0%})"
            if d == 0:
                why = f"tied with #1 on cost; ranked by GPUs ({c.gpus} vs {best.gpus}), then TTFT"
        out.append(f"{head}; {why}")
    groups: dict = {}
    for c in res.candidates:
        groups.setdefault((c.mode, c.gpu, c.tp, c.prefill_tp, c.max_num_seqs, c.dp, c.ep, c.dp_attention),
                          []).append(c)
    for tried in groups.values():
        if any(c.meets for c in tried):
            continue
        last = tried[-1]
        if last.note:
            out.append(f"out: {describe(last, words)}: {say(last.note, words)}")
            continue
        miss = []
        if last.saturated:
            miss.append("saturated")
        if last.ttft_p90_ms is None or last.ttft_p90_ms > w.ttft_p90_ms:
            miss.append(f"TTFT p90 {_ms(last.ttft_p90_ms)} > {w.ttft_p90_ms:g} ms")
        if last.itl_p90_ms is None or last.itl_p90_ms > w.itl_p90_ms:
            miss.append(f"ITL p90 {_ms(last.itl_p90_ms)} > {w.itl_p90_ms:g} ms")
        out.append(f"out: {describe(last, words)}: {', '.join(miss)} after {len(tried)} replica count"
                   f"{'s' if len(tried) > 1 else ''} tried")
    return out


def render(res, explain: bool = False, top: int = 10, width: int = 80, words=None) -> str:
    """The report as text; ``words`` names a parameter (the CLI passes its flags)."""
    w = res.workload
    out = []

    def para(text: str) -> None:
        out.extend(textwrap.wrap(text, width, subsequent_indent="  ", break_on_hyphens=False))

    eng = f"{w.engine} {w.engine_version}" if w.engine_version else w.engine  # the release planned (--engine-version)
    para(f"{w.model} · {eng} · {w.rate:g} requests/s, prompt {w.prompt_tokens}, output "
         f"{w.output_tokens} · SLA: TTFT p90 <= {w.ttft_p90_ms:g} ms, ITL p90 <= {w.itl_p90_ms:g} ms")
    para(f"searched {res.simulated:,} simulated deployments ({res.tasks:,} configurations, "
         f"{w.requests:,} requests each) on a {res.workers}; {len(res.ranked):,} meet the SLA")
    out.append("")
    if not res.ranked:
        para("no deployment met the SLA within the search (raise --max-gpus, add --gpus, or "
             "relax the targets); --explain says why each configuration was given up")
    else:
        out.append(f"{'#':>2} {'GPU':<15}{'layout':<18}{'seqs':>5}{'TTFT p90':>9}{'ITL p90':>8}"
                   f"{'GPUs':>5}{'$/hour':>8}{'$/M out':>9}")
        rows = res.rows[:top]
        for i, (c, alike) in enumerate(rows, start=1):
            seqs = f"{c.max_num_seqs}{'*' if alike else ''}"
            out.append(f"{i:>2} {c.gpu:<15}{c.layout:<18}{seqs:>5}{_ms(c.ttft_p90_ms):>9}"
                       f"{_ms(c.itl_p90_ms):>8}{c.gpus:>5}{c.usd_per_hour:>8.2f}{c.usd_per_m_output:>9.3f}")
        out.append("(ms, simulated p90s; layout: replicas × TP; P, D: prefill, decode pools)"
                   if not any(c.ep > 1 for c, _ in rows) else
                   "(ms, simulated p90s; layout: replicas × TP × DP, EP: experts over TP × DP)")
        if any(alike for _, alike in rows):
            out.append(f"(*: the larger {say(opt('max_num_seqs'), words)} values tried simulate alike; --explain lists them)")
        out.append("")
        from ..sources import catalog

        spec = catalog.load_model(w.model)
        repo = spec.hf_repo or spec.name
        for i, (c, _) in enumerate(res.rows[:3], start=1):
            out.append(f"#{i} ({'disaggregated' if c.mode != 'aggregated' else 'aggregated'}):")
            gmu = w.gpu_memory_utilization
            for line in commands(c, w.engine, repo, w.max_model_len, gmu):  # comments as they are, commands folded
                out.extend([line] if line.startswith("#") else shell_lines(line, width))
    out.append("")
    for g, src in sorted(res.price_sources.items()):
        para(f"price {g}: {src}")
    if explain:
        out.append("")
        out.append("why:")
        for line in verdicts(res, words):
            para(line)
    return "\n".join(out) + "\n"


def as_dict(res, words=None) -> dict:
    w = res.workload
    from ..sources import catalog

    repo = catalog.load_model(w.model).hf_repo or w.model
    return {"model": w.model, "engine": w.engine, "engine_version": w.engine_version, "rate": w.rate,
            "prompt_tokens": w.prompt_tokens, "output_tokens": w.output_tokens,
            "sla": {"ttft_p90_ms": w.ttft_p90_ms, "itl_p90_ms": w.itl_p90_ms},
            "simulated": res.simulated, "configurations": res.tasks, "workers": res.workers,
            "ranked": [dict(c.as_dict(), rank=i, commands=commands(c, w.engine, repo, w.max_model_len,
                                                                   w.gpu_memory_utilization))
                       for i, c in enumerate(res.ranked, start=1)],
            "rows": [{"rank": i, "max_num_seqs": c.max_num_seqs, "alike_max_num_seqs": list(alike),
                      "ranked_index": res.ranked.index(c) + 1}
                     for i, (c, alike) in enumerate(res.rows, start=1)],
            "candidates": [c.as_dict() for c in res.candidates],
            "explain": verdicts(res, words), "price_sources": dict(res.price_sources)}
