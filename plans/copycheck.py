"""照搬照抄: find plans whose own words are nearly the same as another plan's.

Text is normalised before comparing, so that a copy cannot hide behind a new unit name or year and honest
plans are not tied together by what they must share:
  - each plan's own unit name and its short forms are removed (江城区解放街道 → 解放街道 → 解放),
  - years are removed (2025年, 二〇二五年),
  - the titles of the mandated and reference topics that reach the group are removed.
The rest is segmented with rjieba into word 3-shingles; a MinHash signature (datasketch) is stored with the
plan and its LSH bands go into `PlanBand`. A new plan's candidates are the plans sharing a band; each
candidate is verified on the stored signatures, and for the pairs above the threshold rapidfuzz lines up
the matching passages.
"""

import hashlib
import re
from dataclasses import dataclass

import numpy as np
import rjieba
from django.conf import settings
from rapidfuzz import fuzz, process

NUM_PERM = 128
BANDS, ROWS = 32, 4  # LSH catches pairs from Jaccard ≈ (1/32)^(1/4) ≈ 0.42 upward; the threshold sits above
SHINGLE = 3
MIN_SHINGLES = 20  # a plan with less text of its own than this has nothing to copy or be copied
YEAR_RE = re.compile(r"(?:19|20)\d{2}\s*(?:年度|年)?|[〇零一二][〇零一二三四五六七八九]{3}\s*(?:年度|年)?")
PLACE_RE = re.compile(r".+?(?:自治州|自治县|省|市|区|县|镇|乡|街道)")
ORG_PREFIXES = ("中共",)
ORG_SUFFIXES = ("机关工作委员会", "工作委员会", "委员会", "机关党委", "党工委", "党委", "党组", "办事处")
SPLIT_RE = re.compile(r"[。！？；\n]+")
PUNCT_RE = re.compile(r"[\s\W_]+", re.UNICODE)


def threshold():
    return float(getattr(settings, "PLAN_COPY_THRESHOLD", 0.6))


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


def normalise(text, *, names=(), titles=()):
    for t in sorted({t for t in titles if t}, key=_longest_first):
        text = text.replace(t, " ")
    for n in names:
        text = text.replace(n, " ")
    return YEAR_RE.sub(" ", text)


def tokens(text):
    return [w for w in rjieba.cut(text) if not PUNCT_RE.fullmatch(w)]


def shingles(text):
    words = tokens(text)
    return {" ".join(words[i:i + SHINGLE]) for i in range(max(len(words) - SHINGLE + 1, 0))}


def signature(shingle_set):
    from datasketch import MinHash  # imported here: datasketch pulls in scipy (~90 MB per web worker)

    m = MinHash(num_perm=NUM_PERM, seed=1)
    m.update_batch([s.encode() for s in shingle_set])
    return m.hashvalues.astype(np.uint64)


def band_keys(hashvalues):
    keys = []
    for b in range(BANDS):
        chunk = hashvalues[b * ROWS:(b + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(bytes([b]) + chunk, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big", signed=True))
    return keys


def from_bytes(data):
    return np.frombuffer(bytes(data), dtype=np.uint64)


def estimate(a, b):
    return float(np.count_nonzero(a == b)) / len(a)


@dataclass
class Fingerprint:
    hashvalues: object
    count: int
    keys: list


def fingerprint(text, *, names=(), titles=()):
    found = shingles(normalise(text, names=names, titles=titles))
    if len(found) < MIN_SHINGLES:
        return Fingerprint(None, len(found), [])
    values = signature(found)
    return Fingerprint(values, len(found), band_keys(values))


def sentences(text):
    return [s.strip() for s in SPLIT_RE.split(text) if s.strip()]


def _key(sentence, names, titles):
    return PUNCT_RE.sub("", normalise(sentence, names=names, titles=titles))


MIN_PASSAGE = 12  # shorter lines are book titles and set phrases that every plan may share


def matching_passages(text_a, text_b, *, names_a=(), names_b=(), titles_a=(), titles_b=(), cutoff=85, limit=40):
    """Pairs of sentences (as written) whose normalised forms match, for showing side by side."""
    a = [(s, _key(s, names_a, titles_a)) for s in sentences(text_a)]
    b = [(s, _key(s, names_b, titles_b)) for s in sentences(text_b)]
    b = [(s, k) for s, k in b if len(k) >= MIN_PASSAGE]
    choices = [k for _, k in b]
    pairs, seen = [], set()
    for s, k in a:
        if len(k) < MIN_PASSAGE or not choices or k in seen:
            continue
        seen.add(k)
        hit = process.extractOne(k, choices, scorer=fuzz.ratio, score_cutoff=cutoff)
        if hit:
            pairs.append([s, b[hit[2]][0], round(hit[1])])
            if len(pairs) >= limit:
                break
    return pairs
