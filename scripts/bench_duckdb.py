#!/usr/bin/env python3
"""The peer of `make bench`: DuckDB computing the same analytics with the
equivalent SQL over the same rows, timed warm, printed side by side with
Partnerdesk's medians (target/bench/analytics-rust.json) and their ratio.

DuckDB's sqlite extension is downloaded at run time (no offline install), so
the needed columns are copied once from the SQLite file into a DuckDB file
next to it (reused while its row counts match the SQLite file's); the copy is
not timed. DuckDB answers from the raw rows, as an analytics database would;
Partnerdesk answers from its roll-ups. Usage:

    python3 scripts/bench_duckdb.py REFERENCE.db target/bench/analytics-rust.json
"""
import csv
import json
import os
import re
import sqlite3
import statistics
import sys
import time

import duckdb

RUNS = 7

TABLES = {
    "partners": "SELECT id, tier, status, created_at FROM partners",
    "client_leads": "SELECT id, partner_id, status, estimated_value, created_at FROM client_leads",
    "lead_status_history": "SELECT lead_id, to_status FROM lead_status_history",
    "commissions": "SELECT partner_id, kind, status, project_value, commission_amount, created_at FROM commissions",
}


COUNTS = "SELECT (SELECT count(*) FROM partners), (SELECT count(*) FROM client_leads), (SELECT count(*) FROM commissions)"


def load(sqlite_path, duck_path):
    src = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    want = src.execute(COUNTS).fetchone()
    if os.path.exists(duck_path):
        try:
            con = duckdb.connect(duck_path, read_only=True)
            if con.execute(COUNTS).fetchone() == want:
                return con
            con.close()
        except duckdb.Error:
            pass
        os.remove(duck_path)
    csv_dir = duck_path + ".csv"
    os.makedirs(csv_dir, exist_ok=True)
    con = duckdb.connect(duck_path)
    for name, sql in TABLES.items():
        t = time.time()
        path = os.path.join(csv_dir, name + ".csv")
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            cur = src.execute(sql)
            w.writerow([d[0] for d in cur.description])
            while True:
                rows = cur.fetchmany(100_000)
                if not rows:
                    break
                w.writerows(rows)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_csv('{path}', header = true, all_varchar = false)")
        os.remove(path)
        print(f"  copied {name} in {time.time() - t:.1f} s", file=sys.stderr)
    con.close()
    return duckdb.connect(duck_path, read_only=True)


# The month index of 'YYYY-MM...' text, as in Partnerdesk.
IDX = "(CAST(substr({c}, 1, 4) AS INTEGER) * 12 + CAST(substr({c}, 6, 2) AS INTEGER) - 1)"

COHORT_ACTIVE = """
WITH p AS (SELECT id, substr(created_at, 1, 7) AS cohort FROM partners),
act AS (SELECT partner_id, substr(created_at, 1, 7) AS m FROM client_leads
        UNION SELECT partner_id, substr(created_at, 1, 7) FROM commissions WHERE kind = 'commission' AND status <> 'cancelled')
SELECT s.cohort, s.size, a.m, a.n * 1.0 / s.size
  FROM (SELECT cohort, count(*) AS size FROM p GROUP BY 1) s
  LEFT JOIN (SELECT p.cohort, act.m, count(*) AS n FROM act JOIN p ON p.id = act.partner_id GROUP BY 1, 2) a USING (cohort)
"""

COHORT_MONEY = """
WITH p AS (SELECT id, substr(created_at, 1, 7) AS cohort FROM partners),
sizes AS (SELECT cohort, count(*) AS size FROM p GROUP BY 1),
cm AS (SELECT p.cohort, substr(c.created_at, 1, 7) AS m,
              sum(CASE c.kind WHEN 'clawback' THEN -1 ELSE 1 END) AS deals,
              sum(CASE c.kind WHEN 'clawback' THEN -c.project_value ELSE c.project_value END) AS won
         FROM commissions c JOIN p ON p.id = c.partner_id WHERE c.status <> 'cancelled' GROUP BY 1, 2)
SELECT cohort, size, m, {expr} FROM sizes LEFT JOIN cm USING (cohort)
"""

STANDING = """(SELECT partner_id, sum(CASE kind WHEN 'clawback' THEN -1 ELSE 1 END) AS deals,
        sum(CASE kind WHEN 'clawback' THEN -project_value ELSE project_value END) AS won,
        sum(commission_amount) AS comm
   FROM commissions WHERE status <> 'cancelled' GROUP BY partner_id)"""

LTV_TIER = f"""
SELECT p.tier, count(*), sum(coalesce(s.deals, 0)), sum(coalesce(s.won, 0)) - sum(coalesce(s.comm, 0)),
       sum({{now}} - {IDX.format(c='p.created_at')} + 1)
  FROM partners p LEFT JOIN {STANDING} s ON s.partner_id = p.id GROUP BY p.tier
"""

LTV_COHORT = f"""
WITH pts AS (
  SELECT id AS pid, substr(created_at, 1, 7) AS cohort, {IDX.format(c='created_at')} AS m FROM partners
  UNION
  SELECT l.partner_id, substr(p.created_at, 1, 7), {IDX.format(c='l.created_at')}
    FROM client_leads l JOIN partners p ON p.id = l.partner_id),
g AS (SELECT cohort, m, lead(m) OVER (PARTITION BY pid ORDER BY m) AS nxt FROM pts),
churn AS (SELECT cohort,
                 sum(CASE WHEN coalesce(nxt, {{now}} + 1) - m >= 4 OR (nxt IS NULL AND {{now}} - m >= 3) THEN 1 ELSE 0 END) AS events,
                 sum(CASE WHEN nxt IS NULL THEN greatest({{now}} - m - 2, 0) ELSE greatest(nxt - m - 3, 0) END) AS dead
            FROM g GROUP BY cohort),
val AS (SELECT substr(p.created_at, 1, 7) AS cohort, count(*) AS size,
               sum(coalesce(s.won, 0)) - sum(coalesce(s.comm, 0)) AS realised
          FROM partners p LEFT JOIN {STANDING} s ON s.partner_id = p.id GROUP BY 1)
SELECT val.cohort, size, realised, events, dead FROM val JOIN churn USING (cohort)
"""

PIPELINE = """
SELECT o.stage, o.n, o.v, w.won, w.lost FROM
 (SELECT status AS stage, count(*) AS n, sum(estimated_value) AS v FROM client_leads
   WHERE status IN ('prospect', 'qualified', 'proposal_sent', 'negotiating') GROUP BY 1) o
 LEFT JOIN
 (SELECT h.stage, sum(CASE WHEN l.status = 'closed_won' THEN 1 ELSE 0 END) AS won,
         sum(CASE WHEN l.status = 'closed_lost' THEN 1 ELSE 0 END) AS lost
    FROM (SELECT DISTINCT lead_id, to_status AS stage FROM lead_status_history
           WHERE to_status IN ('prospect', 'qualified', 'proposal_sent', 'negotiating')) h
    JOIN client_leads l ON l.id = h.lead_id
   WHERE l.status IN ('closed_won', 'closed_lost') GROUP BY 1) w USING (stage)
"""

FORECAST = """
SELECT substr(created_at, 1, 7) AS m,
       sum(CASE kind WHEN 'clawback' THEN -project_value ELSE project_value END), sum(commission_amount)
  FROM commissions WHERE status <> 'cancelled' AND substr(created_at, 1, 7) < '{month}' GROUP BY 1 ORDER BY 1
"""

KPIS = """
SELECT (SELECT count(*) FROM partners), (SELECT count(*) FROM partners WHERE status = 'active'),
       (SELECT count(*) FROM client_leads),
       (SELECT count(*) FROM client_leads WHERE status IN ('prospect', 'qualified', 'proposal_sent', 'negotiating')),
       (SELECT sum(commission_amount) FROM commissions WHERE status IN ('pending', 'approved')),
       (SELECT sum(CASE kind WHEN 'clawback' THEN -project_value ELSE project_value END) FROM commissions
         WHERE status <> 'cancelled' AND substr(created_at, 1, 7) = '{month}')
"""


def main():
    sqlite_path, rust_json = sys.argv[1], sys.argv[2]
    rust = json.load(open(rust_json))
    src = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    (generated,) = src.execute(
        "SELECT at FROM audit_log WHERE entity = 'database' AND action = 'demo' ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    src.close()
    month = generated[:7]
    now = int(month[:4]) * 12 + int(month[5:7]) - 1
    print(f"DuckDB {duckdb.__version__}: loading {sqlite_path} (not timed)...", file=sys.stderr)
    con = load(sqlite_path, os.path.splitext(sqlite_path)[0] + ".duckdb")
    con.execute("SET threads = 2")
    queries = {
        "cohorts_active": [COHORT_ACTIVE],
        "cohorts_revenue": [COHORT_MONEY.format(expr="round(won * 1.0 / size)")],
        "cohorts_cumulative": [
            COHORT_MONEY.format(expr="round(sum(won) OVER (PARTITION BY cohort ORDER BY m) * 1.0 / size)")
        ],
        "cohorts_deals": [COHORT_MONEY.format(expr="deals")],
        "ltv_tier": [LTV_TIER.format(now=now)],
        "ltv_cohort": [LTV_COHORT.format(now=now)],
        "pipeline": [PIPELINE],
        "forecast_12": [FORECAST.format(month=month), PIPELINE],
        "kpis": [KPIS.format(month=month)],
    }
    queries["screen_total"] = (
        queries["cohorts_active"] + queries["ltv_tier"] + queries["ltv_cohort"] + queries["forecast_12"] + queries["kpis"]
    )
    # read_csv types the times as TIMESTAMPTZ: read them back as the same text Partnerdesk stores.
    con.execute("SET TimeZone = 'UTC'")
    text = lambda q: re.sub(r"substr\(([\w.]*created_at), ", r"substr(CAST(\1 AS VARCHAR), ", q)
    queries = {name: [text(q) for q in sqls] for name, sqls in queries.items()}
    rows = []
    for name, sqls in queries.items():
        for s in sqls:
            con.execute(s).fetchall()  # warm
        times = []
        for _ in range(RUNS):
            t = time.perf_counter()
            for s in sqls:
                con.execute(s).fetchall()
            times.append((time.perf_counter() - t) * 1e3)
        rows.append((name, rust.get(name), statistics.median(times)))
    print()
    print("| call (warm, median) | Partnerdesk ms | DuckDB ms | DuckDB / Partnerdesk |")
    print("|---|---:|---:|---:|")
    for name, ours, duck in rows:
        ratio = f"{duck / ours:.0f}x" if ours else "-"
        ours_s = f"{ours:.2f}" if ours is not None else "-"
        print(f"| {name} | {ours_s} | {duck:.1f} | {ratio} |")
    for name in rust:
        if name not in queries:
            print(f"| {name} | {rust[name]:.2f} | - | - |")


if __name__ == "__main__":
    main()
