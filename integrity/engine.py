"""The text-reuse engine's arithmetic: no database, no Django models.

Why our own MinHash instead of datasketch: datasketch imports scipy (≈90 MB resident in every web worker) for
LSH parameter optimisation we do not use. A MinHash is 128 universal hash functions applied to 64-bit shingle
hashes and a minimum per function; numpy does that in one vectorised expression (uint64 arithmetic wraps
modulo 2^64, which is what a multiply-shift hash wants).

Text → shingles: split into sentences, drop punctuation and spaces inside each sentence (so a quote with
changed punctuation or spacing gives the same words), drop years, segment with rjieba, and take word
3-grams within a sentence. Shingles never span sentences, so reordering sentences or paragraphs changes
nothing. Each shingle is hashed to a signed 64-bit integer (it is stored in BigInteger columns).
"""

import difflib
import hashlib
import math
import re
import unicodedata

import numpy as np
import rjieba
from rapidfuzz import fuzz, process

from core.cleaning import PUNCT_RE

NUM_PERM = 128
BANDS, ROWS = 64, 2  # a pair becomes a candidate from Jaccard ≈ (1/64)^(1/2) ≈ 0.13 upward; verification decides
SHINGLE = 3
MIN_SHINGLES = 8  # a text with fewer shingles than this has too little of its own to copy or be copied
YEAR_RE = re.compile(r"(?:19|20)\d{2}\s*(?:年度|年)?|[〇零一二][〇零一二三四五六七八九]{3}\s*(?:年度|年)?")
SPLIT_RE = re.compile(r"[。！？；!?;\n\r]+")
PLACE_RE = re.compile(r".+?(?:自治州|自治县|省|市|区|县|镇|乡|街道)")
ORG_PREFIXES = ("中共",)
ORG_SUFFIXES = ("机关工作委员会", "工作委员会", "委员会", "机关党委", "党工委", "党委", "党组", "办事处")

_rng = np.random.default_rng(20260601)  # fixed: signatures stored in the database must stay comparable
_A = (_rng.integers(1, 2**63 - 1, NUM_PERM, dtype=np.int64).astype(np.uint64) << np.uint64(1)) | np.uint64(1)
_B = _rng.integers(0, 2**63 - 1, NUM_PERM, dtype=np.int64).astype(np.uint64)


def sentences(text):
    """Sentences as written (for showing, so no normalising here: clean() does that), in order."""
    text = text or ""
    return [s.strip() for s in SPLIT_RE.split(text) if s.strip()]


def clean(sentence, names=()):
    """A sentence's comparable form: no unit names, no years, no punctuation or spaces."""
    s = unicodedata.normalize("NFKC", sentence)
    for n in names:
        s = s.replace(n, "")
    s = YEAR_RE.sub("", s)
    return PUNCT_RE.sub("", s)


def words(sentence, names=()):
    return [w for w in rjieba.cut(clean(sentence, names)) if w.strip()]


def _hash(gram):
    return int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=8).digest(), "big", signed=True)


def sentence_shingles(sentence, names=()):
    w = words(sentence, names)
    if not w:
        return []
    if len(w) < SHINGLE:
        return [_hash(" ".join(w))] if len("".join(w)) >= 6 else []
    return [_hash(" ".join(w[i:i + SHINGLE])) for i in range(len(w) - SHINGLE + 1)]


def shingle_set(text, names=()):
    found = set()
    for s in sentences(text):
        found.update(sentence_shingles(s, names))
    return found


def to_array(hashes):
    return np.array(sorted(hashes), dtype=np.int64)


def from_bytes(data):
    return np.frombuffer(bytes(data or b""), dtype=np.int64)


def signature(hashes):
    """MinHash of a set of signed 64-bit shingle hashes: NUM_PERM unsigned 64-bit minima."""
    x = np.asarray(hashes, dtype=np.int64).astype(np.uint64)
    if not len(x):
        return None
    return ((_A[:, None] * x[None, :] + _B[:, None]) >> np.uint64(1)).min(axis=1)


def band_keys(sig):
    keys = []
    for b in range(BANDS):
        chunk = sig[b * ROWS:(b + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(bytes([b]) + chunk, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big", signed=True))
    return keys


def sig_from_bytes(data):
    return np.frombuffer(bytes(data), dtype=np.uint64)


def estimate(a, b):
    return float(np.count_nonzero(a == b)) / len(a)


def idf(df, n):
    """Weight of a shingle found in `df` of `n` texts. Common phrasing (slogans, the wording of 规定专题, the
    formulas every 心得 uses) occurs in many texts and weighs little; the +1 keeps a tiny corpus (where nothing
    can yet be told common) from weighing everything zero."""
    return math.log(1.0 + (n + 1.0) / max(df, 1))


class Weights:
    """Shingle weights as two aligned arrays (sorted hashes, weights), so a text's weight is one vectorised
    lookup instead of a Python loop over its shingles."""

    def __init__(self, weight):
        self.keys = np.array(sorted(weight), dtype=np.int64)
        self.values = np.array([weight[int(h)] for h in self.keys], dtype=np.float64)

    def total(self, arr):
        if not len(arr):
            return 0.0
        idx = np.searchsorted(self.keys, arr)
        idx[idx >= len(self.keys)] = 0
        hit = self.keys[idx] == arr
        return float(self.values[idx][hit].sum())


def weighted_overlap(a, b, weight):
    """Σw(A∩B) / min(Σw(A), Σw(B)): how much of the smaller text's own (uncommon, unquoted) words the other has.

    `a`, `b`: sorted int64 arrays; `weight`: a Weights (or a dict hash → weight); quotes of materials weigh 0."""
    if isinstance(weight, dict):
        weight = Weights(weight)
    common = np.intersect1d(a, b, assume_unique=True)
    wa, wb = weight.total(a), weight.total(b)
    if min(wa, wb) <= 0:
        return 0.0, common
    return weight.total(common) / min(wa, wb), common


def marked(a_words, b_words):
    """Both passages as [[segment, same?], …], so a page can mark the words that differ."""
    sm = difflib.SequenceMatcher(a=a_words, b=b_words, autojunk=False)
    left, right = [], []
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        same = op == "equal"
        if i2 > i1:
            left.append(["".join(a_words[i1:i2]), same])
        if j2 > j1:
            right.append(["".join(b_words[j1:j2]), same])
    return left, right


MIN_PASSAGE = 10  # characters of a sentence's own words; shorter lines are set phrases


def passages(text_a, text_b, *, names_a=(), names_b=(), skip=lambda s: False, cutoff=70, limit=40):
    """Sentences of A and the closest sentence of B, side by side with differing words marked.

    `skip(sentence_shingles)` leaves out sentences that are quotes of a material or common phrasing."""
    b = [(s, clean(s, names_b)) for s in sentences(text_b)]
    b = [(s, k) for s, k in b if len(k) >= MIN_PASSAGE]
    choices = [k for _, k in b]
    out, seen = [], set()
    for s in sentences(text_a):
        k = clean(s, names_a)
        if len(k) < MIN_PASSAGE or not choices or k in seen or skip(sentence_shingles(s, names_a)):
            continue
        seen.add(k)
        hit = process.extractOne(k, choices, scorer=fuzz.ratio, score_cutoff=cutoff)
        if hit:
            other = b[hit[2]][0]
            left, right = marked(list(rjieba.cut(s)), list(rjieba.cut(other)))
            out.append({"a": left, "b": right, "score": round(hit[1])})
            if len(out) >= limit:
                break
    return out


# ---- Unit names: a copy cannot hide behind a new unit name -------------------------------------

def name_forms(*names):
    """A unit's name and the short forms a plan may use for it, longest first."""
    forms = set()
    for name in names:
        name = (name or "").strip()
        if not name:
            continue
        forms.add(name)
        core = name
        for p in ORG_PREFIXES:
            core = core.removeprefix(p)
        changed = True
        while changed:
            changed = False
            for s in ORG_SUFFIXES:
                if core.endswith(s) and len(core) > len(s) + 1:
                    core, changed = core[: -len(s)], True
        forms.add(core)
        # 江城区解放街道 → 江城区, 解放街道, and their stems 江城, 解放
        for part in PLACE_RE.findall(core):
            forms.add(part)
            for suffix in ("街道", "自治县", "自治州", "省", "市", "区", "县", "镇", "乡"):
                if part.endswith(suffix) and len(part) - len(suffix) >= 2:
                    forms.add(part[: -len(suffix)])
                    break
        rest = PLACE_RE.sub("", core)
        if len(rest) >= 2:
            forms.add(rest)
    return sorted((f for f in forms if len(f) >= 2), key=_longest_first)


def _longest_first(text):
    # Ties broken by the text itself: forms of one length may overlap (东湖 / 湖滨 in 东湖区湖滨街道), and a set's
    # order changes with the process's hash seed, so without it a plan's fingerprint would depend on the process.
    return -len(text), text
