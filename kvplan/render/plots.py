"""Plots (matplotlib, optional and imported lazily: only here)."""
from __future__ import annotations

from ..errors import KvplanError


def _colours(n: int) -> list:
    """``n`` distinct colours: matplotlib's tab10 / tab20 while they last, then evenly spaced
    over a perceptual colormap (never a colour twice)."""
    from matplotlib import colormaps

    if n <= 10:
        return list(colormaps["tab10"].colors[:n])
    if n <= 20:  # the ten dark shades first, then the ten light ones
        tab = colormaps["tab20"].colors
        return list(tab[0::2] + tab[1::2])[:n]
    cmap = colormaps["turbo"]
    return [cmap(0.05 + 0.9 * i / (n - 1)) for i in range(n)]


def _series(ax, groups: dict, label, colours) -> None:
    """One line per group of (x, y, fits) points: the line in its own colour, the points that
    fit as filled circles and those that do not as crosses (fits None: no GPU, plain circles)."""
    for (key, pts), colour in zip(groups.items(), colours):
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        ax.plot(xs, ys, color=colour, lw=1.2, label=label(key), gid="series")
        ok = [p for p in pts if p[2] is not False]
        bad = [p for p in pts if p[2] is False]
        if ok:
            ax.plot([p[0] for p in ok], [p[1] for p in ok], ls="none", marker="o", ms=3.5, color=colour,
                    gid="fits", label="_fits")
        if bad:
            ax.plot([p[0] for p in bad], [p[1] for p in bad], ls="none", marker="x", ms=5, mew=1.2,
                    color=colour, gid="does not fit", label="_over")


def _legend(ax, fontsize: float, has_fits: bool) -> None:
    """The legend beside the axes (right), never over the data; with a GPU, one entry says
    what the crosses are."""
    from matplotlib.lines import Line2D

    handles, labels = ax.get_legend_handles_labels()
    if has_fits:
        handles += [Line2D([], [], ls="none", marker="o", ms=3.5, color="0.3"),
                    Line2D([], [], ls="none", marker="x", ms=5, mew=1.2, color="0.3")]
        labels += ["fits the KV budget", "does not fit"]
    ncol = 1 if len(labels) <= 24 else 2
    ax.legend(handles, labels, fontsize=fontsize, loc="upper left", bbox_to_anchor=(1.01, 1.0),
              borderaxespad=0.0, ncol=ncol, frameon=False)


def _budget_lines(ax, budgets: dict, engine: str) -> None:
    """One dashed line per KV format's budget; budgets within 15 % of each other share one
    label (two labels at the same height would overprint), and labels alternate in height."""
    if not budgets:
        return
    groups: list[list] = []
    for k, b in sorted(budgets.items(), key=lambda kv: kv[1]):
        gib = b / 2**30
        ax.axhline(gib, ls="--", color="k", lw=1, gid="budget")
        if groups and gib < 1.15 * groups[-1][0][1]:
            groups[-1].append((k, gib))
        else:
            groups.append([(k, gib)])
    for n, g in enumerate(groups):
        names = ", ".join(f"{k} {gib:.1f} GiB" for k, gib in g)
        ax.annotate(f"KV budget ({engine}): {names}", (0.01, g[0][1]), xycoords=("axes fraction", "data"),
                    xytext=(0, 2 + 11 * (n % 2 if len(groups) > 1 else 0)), textcoords="offset points",
                    va="bottom", fontsize=8, gid="budget label")


def sweep_figure(result: dict, title: str):
    """KV memory against context (one line per batch and format, the GPU's KV budget as a
    horizontal line, points over the budget as crosses) and, with a GPU, decode tokens/s
    against batch. Legends sit to the right of each plot."""
    try:
        import matplotlib
    except ImportError:
        raise KvplanError("--plot needs matplotlib: pip install 'kvplan[plot]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = result["rows"]
    has_speed = any("tokens_per_second" in r for r in rows)
    has_fits = any("fits" in r for r in rows)
    kv: dict = {}
    for r in rows:
        kv.setdefault((r["batch"], r["kv_dtype"]), []).append((r["ctx"], r["kv_cache_bytes"] / 2**30, r.get("fits")))
    speed: dict = {}
    if has_speed:
        for r in rows:
            speed.setdefault((r["ctx"], r["kv_dtype"]), []).append((r["batch"], r["tokens_per_second"], r.get("fits")))
    entries = max(len(kv), len(speed)) + (2 if has_fits else 0)
    legend_w = 1.9 if entries <= 24 else 3.6
    height = max(4.5, 0.17 * min(entries, 24) + 1.0)
    width = (2 * (5.2 + legend_w)) if has_speed else 5.2 + legend_w
    fig, axes = plt.subplots(1, 2 if has_speed else 1, figsize=(width, height), squeeze=False)
    ax = axes[0][0]
    _series(ax, kv, lambda key: f"batch {key[0]}, {key[1]}", _colours(len(kv)))
    ax.set_xscale("log", base=2)
    ax.set_yscale("log", base=2)  # contexts and batches double: the cache doubles with them
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,g}"))
    _budget_lines(ax, result["kv_budget_bytes"], result["fit_engine"])
    ax.set_xlabel("context (tokens)")
    ax.set_ylabel("KV cache (GiB)")
    ax.set_title("KV cache against context")
    _legend(ax, 7, has_fits)
    ax.grid(alpha=0.3)
    if has_speed:
        ax2 = axes[0][1]
        _series(ax2, speed, lambda key: f"ctx {key[0]:,}, {key[1]}", _colours(len(speed)))
        ax2.set_xscale("log", base=2)
        ax2.set_xlabel("batch (sequences)")
        ax2.set_ylabel("decode tokens/s (all sequences)")
        ax2.set_title("decode throughput (kvplan perf's step)")
        _legend(ax2, 7, has_fits)
        ax2.grid(alpha=0.3)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def sweep_plot(result: dict, path: str, title: str) -> None:
    """Write ``sweep_figure`` as a PNG."""
    fig = sweep_figure(result, title)
    import matplotlib.pyplot as plt

    try:
        fig.savefig(path, dpi=100)
    except OSError as e:
        raise KvplanError(f"cannot write {path}: {e.strerror or e}") from None
    finally:
        plt.close(fig)
