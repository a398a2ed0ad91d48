"""One evaluation run end to end: split, embed queries once, run every system, write the outputs.

`evaluate` takes a classifier and the index data as arguments (tests drive it with fakes);
`load_index` and `build_training_index` read or make the real index build.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from catalog.judgments import Judgment
from eval.baselines import (
    Baseline,
    Bm25CatalogBaseline,
    CachedTerms,
    DenseItemBaseline,
    DenseKnnBaseline,
    TfidfLogRegBaseline,
)
from eval.compare import Comparison, compare_summaries
from eval.folds import Fold, held_out_split, limit_records, make_folds
from eval.latency import END_TO_END
from eval.plots import write_plots
from eval.protocol import EvaluatedClassifier
from eval.report import render_report
from eval.runner import EvalRun, run_folds
from eval.summary import build_summary, write_json, write_results
from eval.tables import comparison_table
from eval.vectors import TrainingPool, embed_queries, query_encoder
from innogrowth.settings import Settings
from rag.bm25 import Bm25Index
from rag.company import CompanyRecord
from rag.embedder import Embedder, Vectors
from rag.korean_tokens import KoreanTokenizer

EVAL_BUILDS = "eval-builds"


@dataclass
class IndexData:
    """What the baselines need from the build the classifier serves: its judgments and vectors."""

    build_id: str
    pool: TrainingPool
    item_ids: list[str]
    item_vectors: Vectors
    lexical: Bm25Index


@dataclass
class Options:
    dataset: Path
    folds: int = 5
    train: Path | None = None
    limit: int | None = None
    seed: int = 13
    use_llm: bool = True
    command: str = "innogrowth eval run"
    show_progress: bool = True
    max_drop: float = 0.02


@dataclass(frozen=True)
class Reference:
    """A stored summary to compare with (`--compare`)."""

    label: str
    summary: dict[str, Any]


@dataclass
class RunOutput:
    directory: Path
    summary: dict[str, Any]
    run: EvalRun
    notes: list[str] = field(default_factory=list)
    comparison: Comparison | None = None


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_index(build_dir: Path, embedder_id: str, catalog_version: str, expected_build: str) -> IndexData:
    """The served build's judgments and vectors; refused if `current` moved since the classifier loaded."""
    from index_build.artifacts import BuildError, load_current

    arts = load_current(build_dir, embedder_id=embedder_id, catalog_version=catalog_version)
    if expected_build and arts.manifest.build_id != expected_build:
        raise BuildError(
            f"the current build changed while loading ({expected_build} → {arts.manifest.build_id})"
        )
    pool = TrainingPool(list(arts.judgments), arts.judgment_index.reconstruct_all())
    items = arts.item_index.reconstruct_all()
    return IndexData(arts.manifest.build_id, pool, list(arts.item_ids), items, arts.lexical)


def build_training_index(
    settings: Settings, train: Path, embedder: Embedder, show_progress: bool
) -> Settings:
    """An index build whose past judgments are exactly the `--train` file, under
    `<data_dir>/eval-builds` (the serving build is untouched); returns settings that point at it."""
    from index_build.builder import build_index, read_inputs
    from index_build.embedding_cache import EmbeddingCache

    root = settings.data_dir / EVAL_BUILDS
    root.mkdir(parents=True, exist_ok=True)
    serving_cache = EmbeddingCache(settings.resolved_build_dir(), embedder.id, embedder.dim).path
    own_cache = EmbeddingCache(root, embedder.id, embedder.dim).path
    if serving_cache.exists() and not own_cache.exists():
        shutil.copyfile(serving_cache, own_cache)  # catalog passages are not embedded again
    inputs = read_inputs(settings.resolved_catalog_path(), train)
    if not inputs.judgments:
        raise ValueError(f"{train} holds no usable judgments")
    # No ranker here: the run's `restricted_to` trains it on exactly the training judgments.
    build_index(inputs, embedder, root, show_progress=show_progress, keep=1)
    return settings.model_copy(update={"build_dir": root, "judgments_path": train})


def split(dataset: Sequence[Judgment], index_ids: frozenset[str], options: Options) -> tuple[list[Fold], str]:
    """K folds over the dataset (training: the index's judgments minus the fold), or, with `--train`,
    one held-out fold (training: the index built from the training file minus any dataset id)."""
    if options.train is not None:
        return held_out_split(dataset, index_ids), f"held-out test against --train {options.train}"
    folds = make_folds(dataset, options.folds, options.seed, index_ids=index_ids)
    return folds, f"{options.folds}-fold cross-validation, stratified by label"


def default_baselines(index: IndexData, terms: CachedTerms | None = None) -> list[Baseline]:
    terms = terms or CachedTerms(KoreanTokenizer())
    return [
        Bm25CatalogBaseline(index.item_ids, index.lexical, terms),
        TfidfLogRegBaseline(terms),
        DenseItemBaseline(index.item_ids, index.item_vectors),
        DenseKnnBaseline(),
    ]


def _progress(show: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        disable=not show,
    )


def _new_run_dir(out: Path, started: datetime) -> Path:
    base = out / started.strftime("%Y%m%dT%H%M%SZ")
    path, n = base, 1
    while path.exists():
        n += 1
        path = base.with_name(f"{base.name}-{n}")
    path.mkdir(parents=True)
    return path


def evaluate(
    classifier: EvaluatedClassifier,
    index: IndexData,
    dataset: Sequence[Judgment],
    options: Options,
    out: Path,
    baselines: Sequence[Baseline] | None = None,
    reference: Reference | None = None,
    log: Callable[[str], None] = lambda text: None,
) -> RunOutput:
    """Classify every (selected) record with the honest classifier of its fold, next to the
    baselines; write summary.json, results.jsonl, report.md and the plots into a new run folder."""
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    notes = []
    missing = [j.id for j in dataset if j.id not in index.pool.ids]
    if missing and options.train is None:
        notes.append(
            f"{len(missing)} dataset records are not among the index's past judgments; they are only tested"
        )
    if options.train is not None:
        overlap = len(index.pool.ids & {j.id for j in dataset})
        if overlap:
            notes.append(f"{overlap} training judgments share an id with a test record and were left out")
    folds, split_text = split(dataset, index.pool.ids, options)
    selected = limit_records(dataset, options.limit, options.seed)
    tested = [j for j in dataset if j.id in selected]
    systems = list(baselines) if baselines is not None else default_baselines(index)
    for note in notes:
        log(note)
    encode, shared_cache = query_encoder(classifier, classifier.embedder)
    # With the classifier's own cache, embed every record now: its fold training needs them all.
    embedded = dataset if shared_cache else tested
    with _progress(options.show_progress) as progress:
        task = progress.add_task("embed queries", total=len(embedded))
        vectors = embed_queries(
            encode,
            {j.id: CompanyRecord.from_judgment(j) for j in embedded},
            lambda n: progress.advance(task, n),
        )
        task = progress.add_task(f"classify ({len(folds)} folds)", total=len(tested))
        run = run_folds(
            classifier,
            dataset,
            folds,
            systems,
            index.pool,
            vectors,
            selected=selected,
            use_llm=options.use_llm,
            advance=lambda n: progress.advance(task, n),
            status=lambda text: progress.update(task, description=text),
        )
    config = {
        "command": options.command,
        "dataset": str(options.dataset),
        "dataset_sha256": sha256_of(options.dataset),
        "split": split_text,
        "folds": None if options.train is not None else options.folds,
        "train": None if options.train is None else str(options.train),
        "train_sha256": None if options.train is None else sha256_of(options.train),
        "limit": options.limit,
        "seed": options.seed,
        "use_llm": options.use_llm,
        "started": started.isoformat(timespec="seconds"),
        "elapsed_s": 0.0,
    }
    summary = build_summary(run, classifier.catalog, config, options.seed)
    summary["versions"] = dict(classifier.versions)
    summary["fold_versions"] = run.fold_versions
    summary["notes"] = notes
    directory = _new_run_dir(out, started)
    write_results(directory / "results.jsonl", run.outcomes)
    plots = write_plots(summary, [o.timings_ms[END_TO_END] for o in run.outcomes], directory)
    config["elapsed_s"] = round(time.perf_counter() - t0, 1)
    comparison, extra = None, []
    if reference is not None:
        comparison = compare_summaries(summary, reference.summary, options.max_drop)
        summary["comparison"] = comparison.to_dict(reference.label)
        extra = [comparison_table(comparison, reference.label)]
        notes += comparison.warnings
    write_json(directory / "summary.json", summary)
    report = render_report(summary, options.command, plots, extra_tables=extra, notes=notes)
    (directory / "report.md").write_text(report, "utf-8")
    return RunOutput(directory, summary, run, notes, comparison)
