"""Routing classifier: TF-IDF char and word n-grams, an NB-SVM + SVM ensemble, calibrated scores.

The two members are linear, so the trained ensemble folds into one weight matrix; a softmax with
a temperature fitted on out-of-fold scores turns its margins into probabilities that can be
compared with a confidence threshold.
"""

from __future__ import annotations

import io
import logging
import pickle
import re
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import ModuleType
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.optimize import minimize_scalar
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from service import clock

FORMAT = 1  # bump when the pickled layout changes; loads() refuses other formats
ALGORITHM = "tfidf-char13-word1/nbsvm+svm/temperature"

Matrix = npt.NDArray[np.float64]

# Anonymised (and real-world abbreviated) place codes such as "A市", "A2区", "K3县", "E11县": the
# code itself says where, not what, and learning it would tie a topic to a district.
_PLACE_CODE = re.compile(r"[A-Z][0-9]{0,3}(?=[市区县])")
_DIGITS = re.compile(r"[0-9]+")
_WORDLIKE = re.compile(r"\w")

_jieba: ModuleType | None = None


def normalise(text: str) -> str:
    """Place codes become 某 (keeping 市/区/县) and digit runs become 0; case is folded."""
    return _DIGITS.sub("0", _PLACE_CODE.sub("某", text)).lower()


def _load_jieba() -> ModuleType:
    """jieba, imported once with its pkg_resources deprecation warning silenced."""
    global _jieba
    if _jieba is None:
        with warnings.catch_warnings():
            # jieba 0.42 imports pkg_resources, which warns about its own deprecation; nothing
            # else is silenced and only for the import and dictionary load.
            warnings.filterwarnings("ignore", message=".*pkg_resources.*")
            warnings.filterwarnings("ignore", category=DeprecationWarning, module="jieba.*")
            import jieba

            jieba.setLogLevel(logging.WARNING)  # its dictionary load logs at DEBUG to stderr
            jieba.initialize()
        _jieba = jieba
    return _jieba


def words(text: str) -> list[str]:
    """jieba's segmentation of a normalised text, without whitespace and punctuation tokens."""
    tokens = cast(list[str], _load_jieba().lcut(text))
    return [t for t in tokens if _WORDLIKE.search(t)]


@dataclass(frozen=True)
class Params:
    """Hyperparameters; defaults chosen by 5-fold CV on the dev corpora (bench/ROUTING.md)."""

    head_chars: int = 256  # char n-grams read the title and opening; long tails only add noise
    char_ngrams: tuple[int, int] = (1, 3)
    min_df: int = 2  # used from min_df_from samples on; small corpora keep every n-gram
    min_df_from: int = 500
    c_nbsvm: float = 0.3
    c_svm: float = 1.0
    svm_weight: float = 1.0  # the SVM member's margins relative to the NB-SVM's
    inner_folds: int = 3  # out-of-fold scores for fitting the temperature
    seed: int = 0


@dataclass(frozen=True)
class Suggestion:
    label: str
    score: float


@dataclass
class RoutingModel:
    """A trained routing classifier; build it with train() or RoutingModel.loads()."""

    params: Params = field(default_factory=Params)
    classes: list[str] = field(default_factory=list)
    version: str = ALGORITHM
    trained_at: datetime | None = None
    n_samples: int = 0
    temperature: float = 1.0
    _char: Any = field(default=None, repr=False)  # fitted TfidfVectorizer (characters)
    _word: Any = field(default=None, repr=False)  # fitted TfidfVectorizer (jieba words)
    # (n_classes, n_features), both members folded in; float32 halves the stored blob
    _coef: npt.NDArray[np.float32] | None = field(default=None, repr=False)
    _intercept: Matrix | None = field(default=None, repr=False)

    def train(self, texts: Sequence[str], labels: Sequence[str]) -> RoutingModel:
        """Fit on labelled texts (in place) and return self; needs two labels or more."""
        if len(texts) != len(labels):
            raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
        docs, ys = _dedup([normalise(t) for t in texts], [str(lab) for lab in labels])
        classes = sorted(set(ys))
        if len(classes) < 2:
            raise ValueError("training needs at least two distinct labels")
        p = self.params
        y = np.searchsorted(np.array(classes), np.array(ys))
        min_df = p.min_df if len(docs) >= p.min_df_from else 1
        char = TfidfVectorizer(
            analyzer="char", ngram_range=p.char_ngrams, min_df=min_df, sublinear_tf=True
        )
        word = TfidfVectorizer(analyzer=words, min_df=min_df, sublinear_tf=True)
        x = sp.hstack(
            [char.fit_transform([d[: p.head_chars] for d in docs]), _fit_words(word, docs)]
        ).tocsr()
        for vectorizer in (char, word):
            # stop_words_ lists every pruned n-gram: large, and not needed to transform
            if hasattr(vectorizer, "stop_words_"):
                del vectorizer.stop_words_
        self.temperature = _fit_temperature(x, y, len(classes), p)
        coef, intercept = _fit_ensemble(x, y, len(classes), p)
        self.classes = classes
        self._char, self._word = char, word
        self._coef, self._intercept = coef.astype(np.float32), intercept
        self.n_samples = len(texts)
        self.trained_at = clock.now()
        return self

    def margins(self, texts: Sequence[str]) -> Matrix:
        """The ensemble's raw scores, one row per text and one column per class."""
        if self._coef is None or self._intercept is None:
            raise RuntimeError("the model is not trained")
        docs = [normalise(t) for t in texts]
        x = sp.hstack(
            [
                self._char.transform([d[: self.params.head_chars] for d in docs]),
                self._word.transform(docs),
            ]
        ).tocsr()
        scores = np.asarray(x.astype(np.float32) @ self._coef.T, dtype=np.float64)
        return scores + self._intercept

    def predict_proba_batch(self, texts: Sequence[str]) -> tuple[list[str], Matrix]:
        """The class labels and, per text, a probability for each (rows sum to 1)."""
        return list(self.classes), _softmax(self.margins(texts) / self.temperature)

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The most probable label of each text."""
        classes, proba = self.predict_proba_batch(texts)
        return [classes[i] for i in proba.argmax(axis=1)]

    def suggest(self, text: str, k: int = 3) -> list[Suggestion]:
        """The k most probable labels for a text, best first, with scores in [0, 1]."""
        classes, proba = self.predict_proba_batch([text])
        row = proba[0]
        order = np.argsort(-row, kind="stable")[: max(k, 0)]
        return [Suggestion(classes[i], float(row[i])) for i in order]

    def dumps(self) -> bytes:
        """The trained model as bytes for our own database (pickle; never load foreign blobs)."""
        if self._coef is None:
            raise RuntimeError("the model is not trained")
        buffer = io.BytesIO()
        pickle.dump((FORMAT, self), buffer, protocol=pickle.HIGHEST_PROTOCOL)
        return buffer.getvalue()

    @classmethod
    def loads(cls, data: bytes) -> RoutingModel:
        """A model from dumps() output; only for blobs this service wrote itself."""
        # Trusted input: the blob comes from our own routing_models table, written by dumps().
        loaded = pickle.loads(data)  # noqa: S301
        if not (isinstance(loaded, tuple) and len(loaded) == 2 and loaded[0] == FORMAT):
            raise ValueError("not a routing model blob of this format")
        model = loaded[1]
        if not isinstance(model, cls):
            raise ValueError("not a routing model blob of this format")
        return model


def train_model(
    texts: Sequence[str], labels: Sequence[str], params: Params | None = None
) -> RoutingModel:
    """A new model trained on labelled texts."""
    return RoutingModel(params=params or Params()).train(texts, labels)


def _dedup(docs: list[str], labels: list[str]) -> tuple[list[str], list[str]]:
    """Identical texts collapse to one example with their most frequent label (first on ties)."""
    votes: dict[str, Counter[str]] = {}
    for doc, label in zip(docs, labels, strict=True):
        votes.setdefault(doc, Counter())[label] += 1
    return list(votes), [counts.most_common(1)[0][0] for counts in votes.values()]


def _fit_words(vectorizer: Any, docs: list[str]) -> Any:
    """Word TF-IDF, or an empty block when the texts hold no word at all."""
    try:
        return vectorizer.fit_transform(docs)
    except ValueError:
        # Only punctuation/whitespace: keep a vocabulary that matches nothing so transform works.
        vectorizer.set_params(analyzer=_no_words)
        return vectorizer.fit_transform(["\x00"] * len(docs))


def _no_words(text: str) -> list[str]:
    """A fallback analyzer with one token that real text never yields."""
    return ["\x00"] if text == "\x00" else []


def _ovr(
    x: sp.csr_matrix, y: npt.NDArray[np.intp], n_classes: int, fit: Callable[..., Any]
) -> tuple[Matrix, Matrix]:
    """One-vs-rest weights; a class absent from y gets zero weights and a -1 intercept."""
    coef = np.zeros((n_classes, x.shape[1]))
    intercept = np.full(n_classes, -1.0)
    for c in range(n_classes):
        positive = y == c
        if positive.any() and not positive.all():
            coef[c], intercept[c] = fit(x, positive, c)
    return coef, intercept


def _fit_ensemble(
    x: sp.csr_matrix, y: npt.NDArray[np.intp], n_classes: int, p: Params
) -> tuple[Matrix, Matrix]:
    """NB-SVM plus a plain linear SVM, both one-vs-rest, summed into one linear model."""
    binary = (x > 0).astype(np.float64)

    def nbsvm(x: sp.csr_matrix, positive: npt.NDArray[np.bool_], c: int) -> tuple[Matrix, float]:
        # Wang & Manning's NB-SVM: scale features by the class's log-count ratio, fit an SVM, and
        # fold the ratio back into the weights so prediction is a plain dot product.
        pos = 1.0 + np.asarray(binary[positive].sum(axis=0)).ravel()
        neg = 1.0 + np.asarray(binary[~positive].sum(axis=0)).ravel()
        ratio = np.log((pos / pos.sum()) / (neg / neg.sum()))
        svm = _svm(p.c_nbsvm, p.seed).fit(x @ sp.diags(ratio), positive)
        return svm.coef_.ravel() * ratio, float(svm.intercept_[0])

    def svm(x: sp.csr_matrix, positive: npt.NDArray[np.bool_], c: int) -> tuple[Matrix, float]:
        model = _svm(p.c_svm, p.seed).fit(x, positive)
        return model.coef_.ravel() * p.svm_weight, float(model.intercept_[0]) * p.svm_weight

    nb_coef, nb_intercept = _ovr(x, y, n_classes, nbsvm)
    svm_coef, svm_intercept = _ovr(x, y, n_classes, svm)
    return nb_coef + svm_coef, nb_intercept + svm_intercept


def _svm(c: float, seed: int) -> Any:
    # Balanced weights: the small departments would otherwise lose recall to the big ones.
    return LinearSVC(C=c, class_weight="balanced", random_state=seed)


def _fit_temperature(x: sp.csr_matrix, y: npt.NDArray[np.intp], n_classes: int, p: Params) -> float:
    """The softmax temperature that minimises log-loss on out-of-fold ensemble margins."""
    folds = min(p.inner_folds, len(y))
    if folds < 2 or len(y) < 4 * n_classes:
        return 1.0  # too little data to hold any out; margins of ±1 read as fair odds
    rng = np.random.default_rng(p.seed)
    fold_of = np.empty(len(y), dtype=np.intp)
    for c in range(n_classes):
        members = np.flatnonzero(y == c)
        rng.shuffle(members)
        fold_of[members] = (np.arange(len(members)) + rng.integers(folds)) % folds
    margins = np.zeros((len(y), n_classes))
    for f in range(folds):
        held = fold_of == f
        coef, intercept = _fit_ensemble(x[~held], y[~held], n_classes, p)
        margins[held] = np.asarray(x[held] @ coef.T) + intercept

    def loss(log_t: float) -> float:
        proba = _softmax(margins / np.exp(log_t))
        return float(-np.log(proba[np.arange(len(y)), y] + 1e-12).mean())

    # Bounded: on small separable data the log-loss keeps falling as T shrinks, and scores of
    # exactly 1.0 would claim a certainty that a few dozen examples cannot give.
    found = minimize_scalar(loss, bounds=(np.log(0.1), np.log(10.0)), method="bounded")
    return float(np.exp(found.x))


def _softmax(z: Matrix) -> Matrix:
    shifted = np.exp(z - z.max(axis=1, keepdims=True))
    return cast(Matrix, shifted / shifted.sum(axis=1, keepdims=True))
