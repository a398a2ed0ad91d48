"""`innogrowth index build|info`."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from catalog.judgments import Judgment
from catalog.loader import CatalogError
from catalog.reference import KsicLookup, StLookup
from index_build import layout
from index_build.builder import build_index, read_inputs
from index_build.manifest import Manifest
from index_build.ranker_training import train_ranker_for_build
from innogrowth.settings import Settings
from innogrowth.wiring import configured_embedder, saved_decision_judgments
from rag.keywords import catalog_words
from rag.korean_tokens import KoreanTokenizer
from rag.query_views import reference_view_texts

app = typer.Typer(help="Build and inspect the retrieval index.")
console = Console()


def _saved_decisions(settings: Settings) -> list[Judgment]:
    """Saved reviewer decisions, or none (with a warning) when the database cannot be read."""
    from sqlalchemy.exc import SQLAlchemyError

    from store.repository import SchemaNotCurrent, StoreUnavailable

    try:
        return saved_decision_judgments(settings)
    except (SQLAlchemyError, StoreUnavailable) as exc:
        console.print(
            f"[yellow]saved decisions not folded in: database unavailable "
            f"({escape(str(exc)) if isinstance(exc, SchemaNotCurrent) else type(exc).__name__}); "
            "building from the judgments file only[/yellow]"
        )
        return []


@app.command()
def build(
    no_judgments: Annotated[bool, typer.Option(help="Index the catalog only")] = False,
    keep: Annotated[int, typer.Option(help="Finished builds to keep")] = 3,
    quiet: Annotated[bool, typer.Option(help="No progress bars")] = False,
) -> None:
    """Embed catalog and past judgments, write a new build, switch `current` atomically."""

    settings = Settings()
    try:
        inputs = read_inputs(
            settings.resolved_catalog_path(),
            None if no_judgments else settings.resolved_judgments_path(),
            extra_judgments=() if no_judgments else _saved_decisions(settings),
        )
    except CatalogError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    if inputs.bad_rows:
        console.print(
            f"[yellow]{inputs.bad_rows} bad judgment rows skipped; see "
            "`innogrowth catalog check-judgments`[/yellow]"
        )
    embedder = configured_embedder(settings)
    tokenizer = KoreanTokenizer()
    result = build_index(
        inputs,
        embedder,
        settings.resolved_build_dir(),
        tokenizer=tokenizer,
        train_ranker=train_ranker_for_build,
        show_progress=not quiet,
        keep=keep,
        reference_views=reference_view_texts(KsicLookup.load(), StLookup.load()),
        keyword_words=catalog_words(inputs.catalog, tokenizer),
    )
    m = result.manifest
    console.print(
        f"[green]build {m.build_id}[/green] is current: {m.counts['items']} items, "
        f"{m.counts['judgments']} judgments, {m.timings_s['vectors_per_s']} vectors/s"
    )


@app.command()
def info() -> None:
    """Print the manifest of the current build."""
    root = Settings().resolved_build_dir()
    path = layout.current_build(root)
    if path is None:
        console.print(f"[red]no build under {root}; run `innogrowth index build`[/red]")
        raise typer.Exit(1)
    console.print_json(json.dumps(Manifest.read(path).model_dump(mode="json"), ensure_ascii=False))


@app.command()
def check() -> None:
    """Exit 0 when the current build can serve with these settings, else say why and exit 1."""
    from catalog.loader import load_catalog
    from index_build.artifacts import BuildError, load_current
    from rag.embedder import embedder_id_for

    settings = Settings()
    try:
        catalog = load_catalog(settings.resolved_catalog_path(), expect_counts=False)
        load_current(
            settings.resolved_build_dir(),
            embedder_id=embedder_id_for(settings.embedder),
            catalog_version=catalog.version_id,
        )
    except (BuildError, CatalogError) as exc:
        console.print(f"[yellow]{exc}[/yellow]")
        raise typer.Exit(1) from exc
    console.print("[green]current build matches the settings[/green]")
