"""The dedupe peers of ``bench/targeting_bench.py``: recordlinkage and Splink 5 (DuckDB), configured fairly.

Run by the bench in a venv of its own (Splink pins what the project does not need), on the very
features Dealix matches on (E.164 mobiles, lower-cased emails, Arabic match keys, name skeletons),
written by the bench as JSON lines. Fair means, for both:

- a conflicting phone or a conflicting email (both present, different) vetoes a match;
- a missing value is missing (recordlinkage: 0.5, Splink: the null level), never a unique value;
- the same blocks Dealix uses (phone, email, domain + name-skeleton start, city + skeleton).

recordlinkage runs twice: unsupervised (a score threshold over the features) and supervised (a
logistic regression trained on another generated sample, never the one it is scored on). Splink is
trained without labels (u by random sampling, m by expectation maximisation) and thresholded at
a match probability of 0.99 (0.9 let in about 30% false pairs on the development set; 0.99 was the
best of 0.9 / 0.99 / 0.999 there, and the held-out set then says whether that choice generalises).
Prints one JSON object: pairs and seconds per method.

    python bench/dedupe_peers.py FEATURES.jsonl [--train TRAIN.jsonl]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

Pair = tuple[str, str]
FEATURES = ["phone", "email", "domain", "city", "name", "skeleton", "company"]


def read(path: Path) -> pd.DataFrame:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    frame = pd.DataFrame(rows).set_index("id")
    for column in ("phone", "email", "domain", "city", "name", "skeleton", "company"):
        frame[column] = frame[column].replace("", np.nan)
    # Blocking keys: a missing value never blocks two records together.
    frame["b_phone"] = frame["phone"].fillna(pd.Series([f"~p{i}" for i in range(len(frame))], index=frame.index))
    frame["b_email"] = frame["email"].fillna(pd.Series([f"~e{i}" for i in range(len(frame))], index=frame.index))
    frame["b_domain"] = frame["domain"].fillna(pd.Series([f"~d{i}" for i in range(len(frame))], index=frame.index))
    frame["b_city"] = frame["city"].fillna(pd.Series([f"~c{i}" for i in range(len(frame))], index=frame.index))
    skel = frame["skeleton"].fillna("")
    frame["b_skel"] = [s.split()[0][:3] if s else f"~s{i}" for i, s in enumerate(skel)]
    frame["b_skeleton"] = [s if s else f"~k{i}" for i, s in enumerate(skel)]
    return frame


# -- recordlinkage ---------------------------------------------------------------------------------
def _rl_features(frame: pd.DataFrame) -> pd.DataFrame:
    import recordlinkage

    indexer = recordlinkage.Index()
    indexer.block("b_phone")
    indexer.block("b_email")
    indexer.block(["b_domain", "b_skel"])
    indexer.block(["b_city", "b_skeleton"])
    candidates = indexer.index(frame)
    compare = recordlinkage.Compare()
    for column in ("phone", "email", "domain", "city"):
        compare.exact(column, column, missing_value=0.5, label=column)
    for column in ("name", "skeleton", "company"):
        compare.string(column, column, method="jarowinkler", threshold=0.9, missing_value=0.5, label=column)
    features = compare.compute(candidates, frame)
    # Conflicts: both present and different (a missing side is 0.5, not 0). A shared phone outweighs a second
    # mailbox, as it does for Dealix: an email conflict vetoes only when the phones do not match.
    features["veto"] = ((features["phone"] == 0) | ((features["email"] == 0) & (features["phone"] != 1))).astype(int)
    return features


def _unsupervised(features: pd.DataFrame) -> pd.Index:
    """The evidence Dealix's rules weigh, as recordlinkage features: a shared identifier with an agreeing (or
    missing) name, or the same company domain with an agreeing name and company; no conflict."""
    identifier = features[["phone", "email"]].max(axis=1) == 1
    name = features[["name", "skeleton"]].max(axis=1)
    shared = identifier & (name >= 0.5)
    company = (features["domain"] == 1) & (name == 1) & (features["company"] == 1)
    return features.index[(shared | company) & (features["veto"] == 0)]


def recordlinkage_runs(frame: pd.DataFrame, train: pd.DataFrame | None) -> dict[str, Any]:
    import recordlinkage

    started = time.perf_counter()
    features = _rl_features(frame)
    matches = _unsupervised(features)
    out: dict[str, Any] = {"recordlinkage": {"pairs": _pairs(matches), "seconds": time.perf_counter() - started,
                                             "candidates": len(features)}}
    if train is not None:
        labelled = _rl_features(train)
        entity = train["entity"]
        truth = pd.Series([entity[a] == entity[b] for a, b in labelled.index], index=labelled.index)
        classifier = recordlinkage.LogisticRegressionClassifier()
        columns = [*FEATURES, "veto"]
        classifier.fit(labelled[columns], truth.index[truth])
        started = time.perf_counter()
        features = _rl_features(frame)
        predicted = classifier.predict(features[columns])
        predicted = predicted[features.loc[predicted, "veto"].to_numpy() == 0]
        out["recordlinkage_trained"] = {"pairs": _pairs(predicted), "seconds": time.perf_counter() - started}
    return out


# -- Splink 5 (DuckDB) ------------------------------------------------------------------------------
def splink_run(frame: pd.DataFrame) -> dict[str, Any]:
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    data = frame[FEATURES].reset_index().rename(columns={"id": "unique_id"})
    data["skel3"] = [s.split()[0][:3] if isinstance(s, str) and s else None for s in data["skeleton"]]
    started = time.perf_counter()
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[block_on("phone"), block_on("email"), block_on("domain", "skel3"),
                                                block_on("city", "skeleton")],
        comparisons=[
            cl.ExactMatch("phone"), cl.ExactMatch("email"), cl.ExactMatch("domain"), cl.ExactMatch("city"),
            cl.JaroWinklerAtThresholds("name", [0.95, 0.88]), cl.JaroWinklerAtThresholds("skeleton", [0.95, 0.88]),
            cl.JaroWinklerAtThresholds("company", [0.95, 0.88]),
        ],
        retain_intermediate_calculation_columns=False,
    )
    api = DuckDBAPI()
    linker = Linker(api.register(data), settings, log_level=40)
    linker.training.estimate_probability_two_random_records_match([block_on("phone"), block_on("email")],
                                                                  recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    for rule in (block_on("phone"), block_on("email"), block_on("domain", "skel3")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    predictions = linker.inference.predict(threshold_match_probability=0.99).as_pandas_dataframe()
    # The same veto as for the others: look the compared values up (they are not retained in the output).
    lookup = frame[["phone", "email"]]
    left = lookup.loc[predictions["unique_id_l"]].to_numpy()
    right = lookup.loc[predictions["unique_id_r"]].to_numpy()
    conflict = []
    for k in range(2):
        a, b = left[:, k], right[:, k]
        both = pd.notna(a) & pd.notna(b)
        conflict.append((both & (a != b), both & (a == b)))
    (phone_conflict, phone_same), (email_conflict, _) = conflict
    keep = ~(phone_conflict | (email_conflict & ~phone_same))
    pairs = {tuple(sorted((str(a), str(b)))) for a, b, k in
             zip(predictions["unique_id_l"], predictions["unique_id_r"], keep, strict=True) if k}
    return {"splink": {"pairs": sorted(pairs), "seconds": time.perf_counter() - started}}


def _pairs(index: pd.Index) -> list[Pair]:
    return sorted({tuple(sorted((str(a), str(b)))) for a, b in index})  # type: ignore[misc]


def transitive(pairs: list[Pair]) -> list[Pair]:
    """Pairs inside the clusters the pairs make (as Dealix counts its merge clusters)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = {}
    for x in parent:
        groups.setdefault(find(x), []).append(x)
    return sorted({tuple(sorted(p)) for g in groups.values() for p in combinations(g, 2)})  # type: ignore[misc]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("features", type=Path)
    parser.add_argument("--train", type=Path)
    args = parser.parse_args()
    frame = read(args.features)
    train = read(args.train) if args.train else None
    out = recordlinkage_runs(frame, train)
    out.update(splink_run(frame))
    for result in out.values():
        result["raw_pairs"] = result["pairs"]
        result["pairs"] = transitive(result["pairs"])
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
