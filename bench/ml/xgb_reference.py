#!/usr/bin/python3
"""XGBoost reference for the fraud model: same data, same parameters, same threshold rule as momo's GBDT.

Reads a CSV with header `transaction_id,split,is_fraud,fraud_type,<feature columns...>` (split is train, valid
or test; an empty field is a missing value), trains XGBoost `tree_method=hist` on train with early stopping
on valid, chooses the operating threshold on valid exactly as src/ml/metrics.ts `chooseThreshold` does, and
prints one JSON line with the training time and the test metrics at that threshold.

Run with Debian's interpreter: /usr/bin/python3 bench/ml/xgb_reference.py FILE.csv --rounds 200 ...
(needs python3-xgboost, python3-sklearn, python3-numpy).
"""
import argparse
import io
import json
import re
import sys
import time

import numpy as np
import xgboost as xgb
from sklearn.metrics import average_precision_score, roc_auc_score

SPLITS = ("train", "valid", "test")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("csv")
    p.add_argument("--rounds", type=int, default=100)
    p.add_argument("--depth", type=int, default=6)
    p.add_argument("--eta", type=float, default=0.3)
    p.add_argument("--min-child-weight", type=float, default=1.0)
    p.add_argument("--lambda", dest="reg_lambda", type=float, default=1.0)
    p.add_argument("--gamma", type=float, default=0.0)
    p.add_argument("--subsample", type=float, default=1.0)
    p.add_argument("--colsample-bytree", type=float, default=1.0)
    p.add_argument("--scale-pos-weight", type=float, default=1.0)
    p.add_argument("--max-bin", type=int, default=256)
    p.add_argument("--base-score", type=float, default=None, help="initial probability (default: XGBoost's)")
    p.add_argument("--early-stopping-rounds", type=int, default=0, help="0 turns early stopping off")
    p.add_argument("--eval-metric", choices=("logloss", "aucpr"), default="logloss")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--min-precision", type=float, default=0.92)
    return p.parse_args(argv)


def read_csv(path):
    """Splits, labels, fraud types and a float32 feature matrix (NaN for empty fields)."""
    try:
        f = open(path, encoding="utf-8")
    except OSError as error:
        sys.exit(f"{path}: cannot read: {error.strerror}")
    with f:
        header = f.readline().rstrip("\r\n").split(",")
        expected = ["transaction_id", "split", "is_fraud", "fraud_type"]
        if header[:4] != expected or len(header) < 5:
            sys.exit(f"{path}: header must start with {','.join(expected)} and name at least one feature")
        meta, rest = [], []
        for number, line in enumerate(f, start=2):
            parts = line.rstrip("\r\n").split(",", 4)
            if len(parts) != 5:
                sys.exit(f"{path}:{number}: expected {len(header)} fields")
            meta.append(parts[1:4])
            rest.append(parts[4])
    # Empty fields become "nan" so numpy's C parser reads the block in one go.
    text = re.sub(r"(^|,)(?=,|$)", r"\1nan", "\n".join(rest), flags=re.M)
    features = np.loadtxt(io.StringIO(text), delimiter=",", dtype=np.float64, ndmin=2).astype(np.float32)
    if features.shape[1] != len(header) - 4:
        sys.exit(f"{path}: rows have {features.shape[1] + 4} fields, header {len(header)}")
    split = np.array([m[0] for m in meta])
    bad = set(split) - set(SPLITS)
    if bad:
        sys.exit(f"{path}: unknown split value(s) {sorted(bad)}; expected train, valid or test")
    labels = np.array([int(m[1]) for m in meta], dtype=np.float32)
    fraud_type = np.array([m[2] for m in meta])
    return header[4:], split, labels, fraud_type, features


def choose_threshold(scores, labels, min_precision):
    """Best recall among thresholds with precision >= min_precision (highest threshold on ties), else best F1."""
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], labels[order]
    last_of_tie = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]
    tp = np.cumsum(y)[last_of_tie]
    fp = (last_of_tie + 1) - tp
    positives = y.sum()
    if positives == 0:
        sys.exit("the validation split has no positive label: cannot choose a threshold")
    precision = tp / (tp + fp)
    recall = tp / positives
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(tp > 0, 2 * precision * recall / (precision + recall), 0.0)
    ok = np.nonzero((precision >= min_precision) & (recall > 0))[0]
    if len(ok):
        best = ok[np.argmax(recall[ok])]
        rule = "min-precision"
    else:
        best = int(np.argmax(f1))
        rule = "best-f1"
    return float(s[last_of_tie[best]]), rule


def at_threshold(scores, labels, threshold):
    flagged = scores >= threshold
    positive = labels == 1
    tp = int(np.sum(flagged & positive))
    fp = int(np.sum(flagged & ~positive))
    fn = int(np.sum(~flagged & positive))
    tn = int(np.sum(~flagged & ~positive))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "tn": tn, "fn": fn}


def main(argv):
    a = parse_args(argv)
    names, split, labels, fraud_type, features = read_csv(a.csv)
    parts = {name: split == name for name in SPLITS}
    for name, mask in parts.items():
        if not mask.any():
            sys.exit(f"{a.csv}: no row has split={name}")
    matrix = lambda name: xgb.DMatrix(  # noqa: E731
        features[parts[name]], label=labels[parts[name]], missing=np.nan, feature_names=names, nthread=a.threads
    )
    dtrain, dvalid, dtest = matrix("train"), matrix("valid"), matrix("test")
    params = {
        "objective": "binary:logistic",
        "tree_method": "hist",
        "max_depth": a.depth,
        "eta": a.eta,
        "min_child_weight": a.min_child_weight,
        "lambda": a.reg_lambda,
        "gamma": a.gamma,
        "subsample": a.subsample,
        "colsample_bytree": a.colsample_bytree,
        "scale_pos_weight": a.scale_pos_weight,
        "max_bin": a.max_bin,
        "eval_metric": a.eval_metric,
        "nthread": a.threads,
        "seed": a.seed,
    }
    if a.base_score is not None:
        params["base_score"] = a.base_score
    started, started_cpu = time.perf_counter(), time.process_time()
    booster = xgb.train(
        params,
        dtrain,
        num_boost_round=a.rounds,
        evals=[(dvalid, "valid")],
        early_stopping_rounds=a.early_stopping_rounds or None,
        verbose_eval=False,
    )
    train_seconds = time.perf_counter() - started
    train_cpu_seconds = time.process_time() - started_cpu
    best = booster.best_iteration if a.early_stopping_rounds else a.rounds - 1
    predict = lambda d: booster.predict(d, iteration_range=(0, best + 1))  # noqa: E731
    valid_scores = predict(dvalid)
    started = time.perf_counter()
    test_scores = predict(dtest)
    predict_seconds = time.perf_counter() - started
    threshold, rule = choose_threshold(valid_scores, labels[parts["valid"]], a.min_precision)
    y_test = labels[parts["test"]]
    by_type = {}
    flagged = test_scores >= threshold
    for t in sorted(set(fraud_type[parts["test"]][y_test == 1])):
        mask = (fraud_type[parts["test"]] == t) & (y_test == 1)
        by_type[t or "unknown"] = float(flagged[mask].mean())
    result = {
        "library": f"xgboost {xgb.__version__}",
        "threads": a.threads,
        "rows": {name: int(mask.sum()) for name, mask in parts.items()},
        "train_seconds": train_seconds,
        "train_cpu_seconds": train_cpu_seconds,
        "best_iteration": int(best),
        "rounds_trained": int(booster.num_boosted_rounds()),
        "valid_pr_auc": float(average_precision_score(labels[parts["valid"]], valid_scores)),
        "threshold": threshold,
        "threshold_rule": rule,
        "test": {
            "pr_auc": float(average_precision_score(y_test, test_scores)),
            "roc_auc": float(roc_auc_score(y_test, test_scores)),
            **at_threshold(test_scores, y_test, threshold),
            "recall_by_type": by_type,
        },
        "predict_rows_per_second": float(len(y_test) / predict_seconds),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
