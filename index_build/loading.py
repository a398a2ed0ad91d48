"""From a finished build on disk to the objects `rag/` works with: retrieval resources and a
classifier whose ranker is the build's and whose retraining (for evaluation folds) is ours."""

from __future__ import annotations

from catalog.model import Catalog
from catalog.reference import KsicLookup, StLookup
from index_build.artifacts import BuildArtifacts
from index_build.build_resources import resources_from_build
from index_build.ranker_training import fit_ranker
from rag.classifier import Classifier, Reranker
from rag.decision_policy import ClassifierOptions
from rag.embedder import Embedder
from rag.korean_tokens import KoreanTokenizer
from rag.ranker import Ranker


def classifier_from_build(
    catalog: Catalog,
    arts: BuildArtifacts,
    embedder: Embedder,
    options: ClassifierOptions,
    reranker: Reranker | None = None,
) -> Classifier:
    """The classifier over a loaded build: its ranker, its pinned KSIC-note and S&T-name query
    vectors and catalog keyword vectors, and `fit_ranker` as the trainer `Classifier.restricted_to` uses."""
    res = resources_from_build(catalog, arts, embedder, KsicLookup.load(), StLookup.load(), KoreanTokenizer())
    classifier = Classifier(
        res, Ranker.from_json(arts.ranker), options=options, reranker=reranker, trainer=fit_ranker
    )
    if arts.reference_views is not None:  # no request embeds a KSIC note or an S&T name
        classifier.cache.pin(*arts.reference_views)
    if arts.keyword_vectors is not None:  # nor a candidate keyword the catalog uses
        classifier.cache.pin(*arts.keyword_vectors)
    return classifier
