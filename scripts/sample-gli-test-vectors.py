#!/usr/bin/env python3
"""Samples published GLI test vectors into Tests/IoMTSpirometryTests/Fixtures/ (sources in the README there).

    python3 scripts/sample-gli-test-vectors.py GRID ORACLE [EVERY]
GRID   = overdodactyl/pft data-raw/gli_test_grid_GLI.csv (the official GLI-2012 calculator's output, MIT)
ORACLE = overdodactyl/pft tests/testthat/gli_2022_oracle.csv (GLI Global by rspiro, MIT)
Every 12th grid row is kept (deterministic), with the spirometry columns only.
"""
import csv
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests" / "IoMTSpirometryTests" / "Fixtures"
ETHNIC = {"1": "caucasian", "2": "african-american", "3": "north-east-asian", "4": "south-east-asian", "5": "other"}
PARAMETERS = ["fev1", "fvc", "fev1fvc", "fef2575"]


def main() -> None:
    grid_path, oracle_path = sys.argv[1], sys.argv[2]
    every = int(sys.argv[3]) if len(sys.argv) > 3 else 12  # 1 keeps the whole grid (a one-off full check)
    with open(grid_path, newline="") as f:
        rows = list(csv.DictReader(f))
    columns = ["sex", "ethnicity", "age", "height"] + [f"{p}_{k}" for p in PARAMETERS for k in ("predicted", "lln", "uln")]
    with open(OUT / "gli2012-calculator-sample.csv", "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(columns)
        for index, row in enumerate(rows):
            if index % every:
                continue
            writer.writerow([row["sex"], ETHNIC[row["ethnic"]], row["age"], row["height"]]
                            + [row[f"{p}_{k}"] for p in PARAMETERS for k in ("predicted", "lln", "uln")])
    with open(oracle_path, newline="") as f:
        oracle = list(csv.DictReader(f))
    keep = ["sex", "age", "height"] + [f"{p}_{k}" for p in ("fev1", "fvc", "fev1fvc") for k in ("pred_2022", "lln_2022", "measured", "zscore_2022")]
    with open(OUT / "gli-global-rspiro-oracle.csv", "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(keep)
        for row in oracle:
            writer.writerow([row[k] for k in keep])


if __name__ == "__main__":
    main()
