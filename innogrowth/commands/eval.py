"""`innogrowth eval run`: cross-validated metrics of the classifier next to baselines, a report,
and an optional regression check against a stored summary."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from eval.pipeline import Options, Reference, evaluate, load_index
from eval.report import console_tables
from eval.summary import read_summary
from eval.tables import comparison_table, to_rich
from innogrowth.eval_builds import build_training_index
from innogrowth.wiring import configured_embedder, load_classifier, reranker_from

app = typer.Typer(help="Evaluate the classifier on labelled judgments: metrics, baselines, report.")
# Piped output (CI logs, `tee`) gets room for the headline table (four metrics with intervals)
# instead of rich's 80 columns.
PIPED_WIDTH = 180
console = Console(width=None if sys.stdout.isatty() else PIPED_WIDTH)


def _command_line() -> str:
    return " ".join(["innogrowth", *(shlex.quote(a) for a in sys.argv[1:])])


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]{message}[/red]")
    return typer.Exit(1)


@app.command()
def run(
    dataset: Annotated[
        list[Path],
        typer.Option(
            help="Labelled judgments (JSONL/CSV) to evaluate; repeat for several datasets: one "
            "cross-validation over their union, a table per dataset (named by file stem) and one "
            "for all records",
            exists=True,
            dir_okay=False,
        ),
    ],
    folds: Annotated[
        int | None, typer.Option(help="K-fold cross-validation over the dataset (default 5)", min=2)
    ] = None,
    train: Annotated[
        Path | None,
        typer.Option(
            help="Judgments that form the index instead of folds; the dataset is all test", exists=True
        ),
    ] = None,
    limit: Annotated[
        int | None, typer.Option(help="Classify only a seeded sample of N records", min=1)
    ] = None,
    no_llm: Annotated[
        bool, typer.Option("--no-llm", help="Never call the LLM reranker, even where one is configured")
    ] = False,
    llm_base_url: Annotated[
        str | None,
        typer.Option(
            help="OpenAI-compatible LLM server (e.g. http://gpu-host:8001/v1); default "
            "INNOGROWTH_LLM_BASE_URL. With one, every record is classified once and then reranked "
            "by the LLM: both results are reported side by side"
        ),
    ] = None,
    llm_model: Annotated[
        str | None, typer.Option(help="Served model name; default INNOGROWTH_LLM_MODEL")
    ] = None,
    compare: Annotated[
        Path | None, typer.Option(help="A summary.json to compare with (e.g. eval/baseline_summary.json)")
    ] = None,
    max_drop: Annotated[float, typer.Option(help="Fail when a headline metric drops by more", min=0)] = 0.02,
    out: Annotated[Path, typer.Option(help="Runs are written to OUT/<timestamp>/")] = Path("eval/runs"),
    seed: Annotated[int, typer.Option(help="Seed of the folds, the sample and the bootstrap")] = 13,
    quiet: Annotated[bool, typer.Option(help="No progress bars")] = False,
    exclude_extra: Annotated[
        bool,
        typer.Option(
            "--exclude-extra/--no-exclude-extra",
            help="Cross-validation: leave the serving index's judgments that are in no --dataset "
            "(saved decisions D<id>, other files) out of every fold's training; they would be "
            "visible to every fold. Either way their number is printed",
        ),
    ] = True,
) -> None:
    """Classify every record with only the other folds' judgments in the index; baselines run on
    the same folds. Headline: item-row top-1 and hit@3, NONE precision and recall. Exit status 1
    when `--compare` finds a headline metric dropped by > --max-drop."""
    from catalog.loader import CatalogError
    from eval.datasets import load_datasets
    from index_build.artifacts import BuildError
    from index_build.embedding_cache import EmbeddingCache
    from innogrowth.settings import Settings

    if folds is not None and train is not None:
        raise typer.BadParameter("use either --folds or --train, not both")
    reference = None
    if compare is not None:
        try:
            reference = Reference(str(compare), read_summary(compare))
        except (OSError, ValueError) as exc:
            raise _fail(f"cannot compare with {compare}: {exc}") from exc
    settings = Settings()
    overrides = {"llm_base_url": llm_base_url, "llm_model": llm_model}
    settings = settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    reranker = None if no_llm else reranker_from(settings)
    embedder = configured_embedder(settings)
    try:
        if train is not None:
            console.print(f"building an index from {train} (the serving build is untouched)")
            settings = build_training_index(settings, train, embedder, show_progress=not quiet)
        classifier = load_classifier(settings, embedder=embedder, reranker=reranker)
        # query vectors through the build root's embedding cache: a rerun embeds nothing again
        vector_cache = EmbeddingCache(settings.resolved_build_dir(), embedder.id, embedder.dim)
        classifier.cache = vector_cache.query_cache(embedder)
        index = load_index(
            settings.resolved_build_dir(),
            embedder.id,
            classifier.catalog.version_id,
            classifier.versions["build"],
        )
    except (BuildError, CatalogError, ValueError) as exc:
        raise _fail(str(exc)) from exc
    try:
        datasets = load_datasets(dataset, classifier.catalog)
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    for d in datasets.members:
        if d.bad_rows:
            console.print(
                f"[yellow]{d.bad_rows} bad rows in {d.path} skipped "
                f"(see `innogrowth catalog check-judgments {d.path}`)[/yellow]"
            )
        if not d.judgments:
            raise _fail(f"{d.path} holds no usable judgments")
    options = Options(
        datasets=dataset,
        folds=folds or 5,
        train=train,
        limit=limit,
        seed=seed,
        use_llm=reranker is not None,
        llm_disabled=no_llm,
        command=_command_line(),
        show_progress=not quiet,
        max_drop=max_drop,
        exclude_extra=exclude_extra,
    )
    try:
        result = evaluate(
            classifier,
            index,
            datasets,
            options,
            out,
            reference=reference,
            log=lambda text: console.print(f"[yellow]{escape(text)}[/yellow]"),
        )
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    vector_cache.save()
    for table in console_tables(result.summary):
        console.print(to_rich(table))
    console.print(
        f"run written to [bold]{result.directory}[/bold] ({result.summary['config']['elapsed_s']} s)"
    )
    if result.comparison is not None and reference is not None:
        console.print(to_rich(comparison_table(result.comparison, reference.label)))
        for warning in result.comparison.warnings:
            console.print(f"[yellow]{warning}[/yellow]")
        if result.comparison.failed:
            names = ", ".join(r.metric for r in result.comparison.failures)
            raise _fail(f"regression: {names} dropped by more than {max_drop:.3f}")
        console.print(f"[green]no headline metric dropped by more than {max_drop:.3f}[/green]")
