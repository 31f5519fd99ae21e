"""The typer app every command registers on, and its root options (--version, the overview)."""
from __future__ import annotations

import sys

import typer

app = typer.Typer(add_completion=True, no_args_is_help=False, pretty_exceptions_enable=False,
                  rich_markup_mode=None, invoke_without_command=True,
                  context_settings={"help_option_names": ["-h", "--help"]},
                  help="kvplan: exact KV-cache sizes, per engine layout, for the models people run.")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kvplan")
    except PackageNotFoundError:  # a source checkout that was not installed
        return "0+unknown"


@app.callback()
def _root(ctx: typer.Context,
          show_version: bool = typer.Option(False, "--version", help="print kvplan's version and exit")):
    """kvplan: exact KV-cache sizes, per engine layout, for the models people run."""
    if show_version:
        sys.stdout.write(f"kvplan {_version()}\n")
        raise typer.Exit(0)
    if ctx.invoked_subcommand is None:  # bare `kvplan`: the overview, exit 0
        sys.stdout.write(ctx.get_help() + "\n")
        raise typer.Exit(0)
