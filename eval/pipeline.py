"""One evaluation run end to end: split, embed queries once, run every system, write the outputs.

`evaluate` takes a classifier and the index data as arguments (tests drive it with fakes);
`load_index` reads the real index build (`innogrowth.eval_builds` makes one for `--train`).
"""

from __future__ import annotations

import hashlib
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
    AlwaysNoneBaseline,
    Baseline,
    Bm25CatalogBaseline,
    CachedTerms,
    DenseItemBaseline,
    DenseKnnBaseline,
    TfidfLogRegBaseline,
)
from eval.compare import Comparison, compare_summaries
from eval.datasets import Datasets, is_saved_decision, make_dataset
from eval.folds import Fold, held_out_split, limit_records, make_folds
from eval.latency import END_TO_END
from eval.plots import write_plots
from eval.protocol import EvaluatedClassifier
from eval.report import render_report
from eval.runner import EvalRun, LeakError, run_folds
from eval.summary import build_summary, write_json, write_results
from eval.tables import comparison_table
from eval.vectors import TrainingPool, embed_queries, query_encoder
from rag.bm25 import Bm25Index
from rag.company import CompanyRecord
from rag.embedder import Vectors
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
    """`datasets`: the `--dataset` files (one cross-validation over their union); `exclude_extra`:
    leave the index's judgments that are in none of them (saved decisions `D<id>`, other files)
    out of every fold's training."""

    datasets: Sequence[Path]
    folds: int = 5
    train: Path | None = None
    limit: int | None = None
    seed: int = 13
    # with a reranker on the classifier: the product with the LLM next to it without (same folds);
    # `llm_disabled`: --no-llm was given (the report says so)
    use_llm: bool = True
    llm_disabled: bool = False
    command: str = "innogrowth eval run"
    show_progress: bool = True
    max_drop: float = 0.02
    exclude_extra: bool = True


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
    """Of a file; of a directory of judgment files (`--train DIR`), over their names and bytes."""
    if not path.is_dir():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    digest = hashlib.sha256()
    for p in sorted(x for x in path.iterdir() if x.is_file() and x.suffix.lower() in (".jsonl", ".csv")):
        digest.update(p.name.encode("utf-8") + b"\0" + p.read_bytes())
    return digest.hexdigest()


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


def split(dataset: Sequence[Judgment], index_ids: frozenset[str], options: Options) -> tuple[list[Fold], str]:
    """K folds over the dataset (training: `index_ids` minus the fold), or, with `--train`,
    one held-out fold (training: the index built from the training file minus any dataset id)."""
    if options.train is not None:
        return held_out_split(dataset, index_ids), f"held-out test against --train {options.train}"
    folds = make_folds(dataset, options.folds, options.seed, index_ids=index_ids)
    return folds, f"{options.folds}-fold cross-validation, stratified by label"


@dataclass(frozen=True)
class TrainingUniverse:
    """The index judgments folds may train on, and those of the index that are in no evaluated
    dataset (`extra`): with `exclude_extra` they are left out of every fold."""

    ids: frozenset[str]
    extra: tuple[str, ...]
    excluded: bool

    @property
    def saved_decisions(self) -> list[str]:
        return [i for i in self.extra if is_saved_decision(i)]

    def message(self) -> str | None:
        if not self.extra:
            return None
        decisions = self.saved_decisions
        what = (
            f"the serving index holds {len(self.extra)} judgments that are in no evaluated dataset "
            f"({len(decisions)} of them saved decisions D<id>"
            + (f", e.g. {', '.join(decisions[:3])}" if decisions else "")
            + ")"
        )
        if self.excluded:
            return (
                f"{what}: {len(self.extra)} excluded from every fold's training "
                "(--no-exclude-extra keeps them)"
            )
        return (
            f"WARNING: {what}: they are visible to every fold and train it "
            "(--exclude-extra, the default, leaves them out)"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "judgments": len(self.extra),
            "saved_decisions": len(self.saved_decisions),
            "excluded": self.excluded and bool(self.extra),
            "examples": list(self.extra[:10]),
        }


def training_universe(
    dataset: Sequence[Judgment], index_ids: frozenset[str], options: Options
) -> TrainingUniverse:
    """Cross-validation: the index's judgments, less those in no evaluated dataset when
    `options.exclude_extra`. `--train` builds its own index from exactly the training file: all of it
    trains (the dataset's ids are dropped by `held_out_split`)."""
    if options.train is not None:
        return TrainingUniverse(index_ids, (), False)
    extra = tuple(sorted(index_ids - {j.id for j in dataset}))
    kept = index_ids - frozenset(extra) if options.exclude_extra else index_ids
    return TrainingUniverse(kept, extra, options.exclude_extra)


def check_excluded(folds: Sequence[Fold], universe: TrainingUniverse) -> None:
    """Refuse a split in which an excluded judgment would train a fold."""
    if not universe.excluded:
        return
    excluded = frozenset(universe.extra)
    for fold in folds:
        leaked = sorted(fold.train_ids & excluded)
        if leaked:
            raise LeakError(f"fold {fold.index}: excluded judgments in training ({leaked[:3]})")


def default_baselines(index: IndexData, terms: CachedTerms | None = None) -> list[Baseline]:
    terms = terms or CachedTerms(KoreanTokenizer())
    return [
        AlwaysNoneBaseline(),
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


def as_datasets(dataset: Datasets | Sequence[Judgment], options: Options) -> Datasets:
    """A plain list of judgments is the one `options.datasets` file."""
    if isinstance(dataset, Datasets):
        return dataset
    if len(options.datasets) != 1:
        raise ValueError("a plain list of judgments needs exactly one dataset path in the options")
    return Datasets([make_dataset(Path(options.datasets[0]), dataset)])


def evaluate(
    classifier: EvaluatedClassifier,
    index: IndexData,
    datasets: Datasets | Sequence[Judgment],
    options: Options,
    out: Path,
    baselines: Sequence[Baseline] | None = None,
    reference: Reference | None = None,
    log: Callable[[str], None] = lambda text: None,
) -> RunOutput:
    """Classify every (selected) record of the datasets with the honest classifier of its fold,
    next to the baselines; write summary.json, results.jsonl, report.md and the plots into a new
    run folder. Several datasets: one cross-validation over their union (folds stratified by
    label as for one), metrics for each dataset and for all together."""
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    data = as_datasets(datasets, options)
    dataset = data.judgments
    notes = []
    if options.train is None:
        for d in data.members:
            missing = sum(j.id not in index.pool.ids for j in d.judgments)
            if missing:
                notes.append(
                    f"{d.name}: {missing} of {len(d.judgments)} records are not among the index's past "
                    "judgments; they are only tested and train no fold"
                )
    if options.train is not None:
        overlap = len(index.pool.ids & {j.id for j in dataset})
        if overlap:
            notes.append(f"{overlap} training judgments share an id with a test record and were left out")
    universe = training_universe(dataset, index.pool.ids, options)
    extra_message = universe.message()
    if extra_message:
        notes.append(extra_message)
    folds, split_text = split(dataset, universe.ids, options)
    check_excluded(folds, universe)
    selected = limit_records(dataset, options.limit, options.seed)
    tested = [j for j in dataset if j.id in selected]
    systems = list(baselines) if baselines is not None else default_baselines(index)
    for note in notes:
        log(note)
    llm_model = classifier.versions.get("llm_model", "none")
    use_llm = options.use_llm and llm_model != "none"
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
            use_llm=use_llm,
            advance=lambda n: progress.advance(task, n),
            status=lambda text: progress.update(task, description=text),
        )
    config = {
        "command": options.command,
        **data.config(),
        "split": split_text,
        "folds": None if options.train is not None else options.folds,
        "train": None if options.train is None else str(options.train),
        "train_sha256": None if options.train is None else sha256_of(options.train),
        "limit": options.limit,
        "seed": options.seed,
        "use_llm": use_llm,
        "llm_disabled": options.llm_disabled,
        "llm_model": llm_model if use_llm else None,
        "prompt_version": classifier.versions.get("prompt"),
        "exclude_extra": options.exclude_extra if options.train is None else None,
        "started": started.isoformat(timespec="seconds"),
        "elapsed_s": 0.0,
    }
    dataset_of, style_of = data.dataset_of, data.style_of
    summary = build_summary(run, classifier.catalog, config, options.seed, dataset_of, style_of)
    summary["index_extra"] = universe.to_dict()
    summary["versions"] = dict(classifier.versions)
    summary["fold_versions"] = run.fold_versions
    summary["notes"] = notes
    directory = _new_run_dir(out, started)
    write_results(directory / "results.jsonl", run.outcomes, dataset_of, style_of)
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
