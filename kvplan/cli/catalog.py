"""kvplan models, show, gpus and import: what kvplan knows, and a config.json as a spec."""
from __future__ import annotations

import sys
from typing import Optional

import typer

from .root import app
from .common import (FORMAT_HELP, MODEL_HELP, WIDE_HELP, _complete_model, _format, _json, _load,
                     _run, _show)


@app.command()
def models(as_json: bool = typer.Option(False, "--json", help="print JSON"),
           fmt: Optional[str] = typer.Option(None, "--format", help=FORMAT_HELP),
           wide: bool = typer.Option(False, "--wide", help=WIDE_HELP)):
    """List the models in the catalog."""
    from .. import api
    from ..render import tables as render

    def go():
        specs = api.models()
        f = _format(fmt, as_json)
        _json(render.models_json(specs)) if f == "json" else _show(render.models_table(specs), f, wide)

    _run(go)


@app.command()
def show(model: str = typer.Argument(..., metavar="MODEL", autocompletion=_complete_model, help=MODEL_HELP),
         as_json: bool = typer.Option(False, "--json", help="print JSON"),
         fmt: Optional[str] = typer.Option(None, "--format", help=FORMAT_HELP),
         wide: bool = typer.Option(False, "--wide", help=WIDE_HELP)):
    """A model's layers, kinds and geometry, with its source."""
    from ..render import tables as render

    def go():
        spec = _load(model)
        f = _format(fmt, as_json)
        _json(render.show_json(spec)) if f == "json" else _show(render.show_table(spec), f, wide)

    _run(go)


@app.command()
def gpus(as_json: bool = typer.Option(False, "--json", help="print JSON"),
         fmt: Optional[str] = typer.Option(None, "--format", help=FORMAT_HELP),
         wide: bool = typer.Option(False, "--wide", help=WIDE_HELP)):
    """List the GPUs kvplan knows, with memory, bandwidth and dense throughput."""
    from .. import api
    from ..render import tables as render

    def go():
        gs = api.gpus()
        f = _format(fmt, as_json)
        _json(render.gpus_json(gs)) if f == "json" else _show(render.gpus_table(gs), f, wide)

    _run(go)


@app.command(name="import")
def import_(config: str = typer.Argument(..., metavar="CONFIG", help="path to a Hugging Face config.json (or its folder)"),
            name: Optional[str] = typer.Option(None, "--name", help="spec name (default: from the path)"),
            source: Optional[str] = typer.Option(None, "--source", help="URL the config came from")):
    """Convert a Hugging Face config.json into a kvplan YAML spec (printed)."""
    from .. import api

    def go():
        sys.stdout.write(api.dump_spec(api.import_config(config, name, source)))

    _run(go)
