"""Clusters of similar ticket texts (pure, no I/O): character n-gram TF-IDF, cosine links,
average linkage, labels from the words that set a cluster apart, and the "rising" test.

Texts are normalised with the routing classifier's normaliser (place codes → 某, digits → 0,
case folded) and labelled with its jieba tokeniser, so both features read Chinese alike.
Memory stays bounded: features are hashed (no vocabulary grows with the corpus), similarities
are computed a block of rows at a time and only links at or above the threshold are kept, and
average linkage runs per connected component of at most REFINE_MAX texts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.preprocessing import normalize

from service.routing.classifier import normalise, words

HEAD_CHARS = 200  # the title and the opening of the description say what a ticket is about
N_FEATURES = 2**20
BLOCK_ROWS = 256  # rows per similarity block: 256 × n floats at most, never n × n
REFINE_MAX = 2000  # larger components (thousands of near-identical texts) stay one cluster
MAX_TERMS = 5
MIN_TERM_CHARS = 2  # one character (水, 路) matches far too much to follow a topic with


def prepare(title: str, description: str) -> str:
    """The normalised head of a ticket's text, as clustered and labelled."""
    return normalise(f"{title}。{description}")[:HEAD_CHARS]


@dataclass
class Features:
    """Hashed character 2–3-grams with IDF weights fitted on the clustered texts."""

    hashing: HashingVectorizer
    idf: TfidfTransformer

    @classmethod
    def fit(cls, docs: Sequence[str]) -> tuple[Features, sp.csr_matrix]:
        hashing = HashingVectorizer(
            analyzer="char",
            ngram_range=(2, 3),
            n_features=N_FEATURES,
            alternate_sign=False,
            norm=None,
            dtype=np.float32,
        )
        idf = TfidfTransformer(sublinear_tf=True)
        x = idf.fit_transform(hashing.transform(docs))
        return cls(hashing, idf), sp.csr_matrix(x, dtype=np.float32)

    def transform(self, docs: Sequence[str]) -> sp.csr_matrix:
        """Rows of unit length, so a dot product is the cosine similarity."""
        return sp.csr_matrix(self.idf.transform(self.hashing.transform(docs)), dtype=np.float32)


def groups(x: sp.csr_matrix, similarity: float) -> list[list[int]]:
    """Groups of two or more rows, largest first.

    Two texts are linked when their cosine similarity reaches `similarity`; each connected
    component of those links is then split by average linkage at the same level, so a chain
    A~B~C whose ends are unlike does not become one group.
    """
    n = x.shape[0]
    if n < 2:
        return []
    links = _links(x, similarity)
    count, labels = connected_components(links, directed=False)
    members: dict[int, list[int]] = {}
    for row, label in enumerate(labels):
        members.setdefault(int(label), []).append(row)
    found: list[list[int]] = []
    for rows in members.values():
        if len(rows) < 2:
            continue
        if len(rows) > REFINE_MAX:
            found.append(rows)
            continue
        found.extend(_average_linkage(x[rows], rows, similarity))
    return sorted(found, key=lambda g: (-len(g), g[0]))


def _links(x: sp.csr_matrix, similarity: float) -> sp.csr_matrix:
    """The sparse graph of pairs at or above the similarity, a block of rows at a time."""
    blocks = []
    xt = sp.csr_matrix(x.T)  # csr @ csr: no conversion per block
    for start in range(0, x.shape[0], BLOCK_ROWS):
        block = sp.csr_matrix(x[start : start + BLOCK_ROWS] @ xt)
        block.data[block.data < similarity] = 0
        block.eliminate_zeros()
        blocks.append(block)
    return sp.csr_matrix(sp.vstack(blocks))


def _average_linkage(x: sp.csr_matrix, rows: list[int], similarity: float) -> list[list[int]]:
    if len(rows) == 2:
        return [rows]  # linked, so their similarity already reaches the level
    distance = 1.0 - np.asarray((x @ x.T).todense(), dtype=np.float64)
    np.fill_diagonal(distance, 0.0)
    np.clip(distance, 0.0, 2.0, out=distance)
    labels = AgglomerativeClustering(
        n_clusters=None,
        metric="precomputed",
        linkage="average",
        # sklearn merges while the linkage distance is below the threshold; a hair above 1 - s
        # keeps "at or above the similarity" true for exact ties.
        distance_threshold=1.0 - similarity + 1e-9,
    ).fit_predict(distance)
    split: dict[int, list[int]] = {}
    for row, label in zip(rows, labels, strict=True):
        split.setdefault(int(label), []).append(row)
    return [g for g in split.values() if len(g) >= 2]


def centroids(x: sp.csr_matrix, found: Sequence[Sequence[int]]) -> sp.csr_matrix:
    """One unit-length mean vector per group (sparse: a hashed space is a million wide)."""
    if not found:
        return sp.csr_matrix((0, x.shape[1]), dtype=np.float32)
    indicator = sp.csr_matrix(
        (
            np.ones(sum(len(g) for g in found), dtype=np.float32),
            (
                np.repeat(np.arange(len(found)), [len(g) for g in found]),
                np.concatenate([np.asarray(g, dtype=np.int64) for g in found]),
            ),
        ),
        shape=(len(found), x.shape[0]),
    )
    return sp.csr_matrix(normalize(indicator @ x), dtype=np.float32)


def similar_counts(
    x: sp.csr_matrix, centres: sp.csr_matrix, similarity: float
) -> npt.NDArray[np.int64]:
    """For each centroid, how many rows of x are at least this similar to it."""
    if centres.shape[0] == 0 or x.shape[0] == 0:
        return np.zeros(centres.shape[0], dtype=np.int64)
    scores = sp.csr_matrix(x @ centres.T)
    scores.data = (scores.data >= similarity).astype(np.float32)
    return np.asarray(scores.sum(axis=0), dtype=np.int64).ravel()


def rising(count: int, usual: float, *, rise: float) -> bool:
    """Rising: more tickets this week than `rise` times the usual weekly level (a cluster
    with no similar tickets before is rising as soon as it exists)."""
    return count > 0 and count > rise * usual


class Corpus:
    """The clustered texts, indexed by hashed n-gram: counting the texts that contain a word
    reads only the texts holding its rarest n-gram, not the whole corpus."""

    def __init__(self, docs: Sequence[str], features: Features, x: sp.csr_matrix) -> None:
        self.docs = docs
        self.features = features
        self.postings = sp.csc_matrix(x)

    def count(self, term: str) -> int:
        """Texts containing the term (exactly: the index only narrows where to look)."""
        columns = self.features.hashing.transform([term]).indices
        if columns.size == 0:
            return sum(term in doc for doc in self.docs)
        indptr = self.postings.indptr
        rarest = min(columns, key=lambda c: indptr[c + 1] - indptr[c])
        rows = self.postings.indices[indptr[rarest] : indptr[rarest + 1]]
        return sum(term in self.docs[r] for r in rows)


def key_terms(
    titles: Sequence[str],
    members: Sequence[str],
    owners: Sequence[str],
    corpus: Corpus,
    *,
    limit: int = MAX_TERMS,
) -> list[str]:
    """The words that set a group apart, best first.

    Titles are summaries, so candidates are the jieba words of the members' normalised titles
    (of their whole texts when the titles share none) of at least two characters, without
    normalised digits or place codes (those never match the stored text), found in at least
    half of the members and in the texts of two different requesters or more (one person's
    words, such as their own name, never label a cluster). A candidate's score is coverage ×
    precision: the share of members containing it times the share of the corpus texts
    containing it that are members. The topic trend follows texts containing any of the
    terms, so precision is what keeps it true.
    """
    chosen = _terms(titles, members, owners, corpus, limit)
    return chosen or _terms(members, members, owners, corpus, limit)


def _terms(
    sources: Sequence[str],
    members: Sequence[str],
    owners: Sequence[str],
    corpus: Corpus,
    limit: int,
) -> list[str]:
    counts: Counter[str] = Counter()
    for text in sources:
        counts.update({w for w in words(text) if _usable(w)})
    half = len(members) / 2
    scored: list[tuple[float, str]] = []
    for term, n in counts.most_common():
        if n < half:
            break  # most_common is sorted: no later word is in half of the members either
        holders = [i for i, doc in enumerate(members) if term in doc]
        if len(holders) < half or len({owners[i] for i in holders}) < 2:
            continue
        in_corpus = corpus.count(term)
        coverage = len(holders) / len(members)
        precision = len(holders) / max(in_corpus, len(holders))
        scored.append((coverage * precision, term))
    scored.sort(key=lambda s: (-s[0], -len(s[1]), s[1]))
    chosen: list[str] = []
    for _, term in scored:
        # "噪音扰民" already says "噪音": a shorter term inside a chosen one adds no match.
        if not any(term in other or other in term for other in chosen):
            chosen.append(term)
        if len(chosen) == limit:
            break
    return chosen


def _usable(word: str) -> bool:
    return len(word) >= MIN_TERM_CHARS and "0" not in word and "某" not in word


def dominant(values: Sequence[int | None]) -> int | None:
    """The most frequent known value (first seen on ties), or None when none is known."""
    known = Counter(v for v in values if v is not None)
    return known.most_common(1)[0][0] if known else None
