"""A bounded load test of ``kb serve``: a fixed number of GETs from concurrent clients, on 127.0.0.1 only.

Usage::

    python -m benchmarks.load [KB] [--requests 10000] [--concurrency 50] [--max-seconds 300] [--workers 1] [--json]

Starts ``kb serve KB`` on a free port of 127.0.0.1 (building the KB first if it has no site), sends
``--requests`` GETs over ``--concurrency`` keep-alive connections, then stops the server. The mix:
searches (plain words, phrases, questions, typos, condition filters, ``condition:`` and ``source:``
filters, bad queries that must be answered 400) and static pages (topic, source and condition pages,
the search page, claims.json, assets). It stops by itself after the last request or ``--max-seconds``,
whichever comes first. A request counts as an error when it fails, or its status is not the expected
one (200, or 400 for the bad queries). Prints requests, errors, requests/s and p50/p90/p99 latency;
exit status 1 if any request failed.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

HOST = "127.0.0.1"  # never anything else: this tool only loads a server on this machine
KB_BIN = Path(sys.executable).with_name("kb")
WORDS = [
    "ketamine",
    "bladder",
    "blood pressure",
    '"blood pressure"',
    "is it addictive",
    "can teenagers get it",
    "suicidal thoughts",
    "dissociation",
    "dissocation",  # typo: spelling suggestion path
    "esketamine nasal spray",
    "side effects",
    "depression remission",
    "how long does it last",
    "ketamine -bladder",
    "psychotherapy OR therapy",
    "safety monitoring",
    "zzzzqqq",  # matches nothing
]
BAD = ["AND", "condition:", "condition:no-such-condition", "x" * 400]  # answered 400 by design


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    if not s:
        return float("nan")
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def request_mix(kb: Path, n: int = 2000, seed: int = 1) -> list[tuple[str, int]]:
    """(path, expected status) pairs: about 60% searches, 40% static pages."""
    from whoosh.analysis import STOP_WORDS

    from kb_tools.config.kbconfig import load_config
    from kb_tools.index.schema import read_meta

    config = load_config(kb)
    rng = random.Random(seed)
    meta = read_meta(config.index_path) or {}
    conditions = [c["id"] for c in meta.get("conditions", [])]
    stop = set(STOP_WORDS) | set((meta.get("lay_terms") or {}).get("stop_words") or ())  # a query of these is a 400
    site = config.site_path
    pages = sorted("/" + p.parent.relative_to(site).as_posix() + "/" for p in site.rglob("index.html"))
    pages = [p.replace("/./", "/") for p in pages]
    sources = [p for p in pages if p.startswith("/sources/") and p.count("/") == 3]
    keys = [p.split("/")[2] for p in sources]
    statics = pages[:400] + ["/claims.json", "/search/", "/assets/kb/kb-search.js", "/assets/kb/kb.css"]
    claims = []
    with contextlib.suppress(OSError, ValueError):
        claims = [c["text"] for c in json.loads((site / "claims.json").read_text(encoding="utf-8"))]
    out: list[tuple[str, int]] = []
    for _ in range(n):
        r = rng.random()
        if r < 0.4:
            out.append((rng.choice(statics), 200))
            continue
        params: list[tuple[str, str]] = []
        if r < 0.45:
            q, status = rng.choice(BAD), 400
        elif r < 0.55 and claims:  # a few words taken from a real claim
            words = [w.strip(".,;:()[]\"'") for w in rng.choice(claims).split()]
            words = [w for w in words if len(w) > 3 and w.isalpha() and w.lower() not in stop] or ["ketamine"]
            q, status = " ".join(rng.sample(words, min(len(words), rng.randint(1, 3)))), 200
        else:
            q, status = rng.choice(WORDS), 200
        params.append(("q", q))
        if status == 200 and conditions and rng.random() < 0.35:
            params.append(("condition", rng.choice(conditions)))  # filter by a condition
        if status == 200 and conditions and rng.random() < 0.1:
            params[0] = ("q", f"{q} condition:{rng.choice(conditions)}")
        if status == 200 and keys and rng.random() < 0.05:
            params.append(("source", rng.choice(keys)))
        if rng.random() < 0.2:
            params.append(("limit", str(rng.choice([1, 5, 20, 50]))))
        out.append(("/api/search?" + urlencode(params), status))
    return out


def run_load(port: int, mix: list[tuple[str, int]], total: int, concurrency: int, max_seconds: float) -> dict:
    """``total`` GETs over ``concurrency`` keep-alive connections, stopping at ``max_seconds``."""
    lock = threading.Lock()
    state = {"next": 0}
    latencies: dict[str, list[float]] = {"api": [], "static": []}
    errors: list[str] = []
    deadline = time.perf_counter() + max_seconds

    def worker() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        while True:
            with lock:
                i = state["next"]
                state["next"] += 1
            if i >= total or time.perf_counter() > deadline:
                break
            path, expected = mix[i % len(mix)]
            t0 = time.perf_counter()
            problem = None
            try:
                conn.request("GET", path)
                resp = conn.getresponse()
                body = resp.read()
                if resp.status != expected:
                    problem = f"{path[:80]}: status {resp.status}, expected {expected}"
                elif path.startswith("/api/") and resp.getheader("content-type") != "application/json":
                    problem = f"{path[:80]}: content type {resp.getheader('content-type')}"
                elif path.startswith("/api/") and expected == 200 and "results" not in json.loads(body):
                    problem = f"{path[:80]}: no results list"
            except (OSError, http.client.HTTPException, ValueError) as exc:
                problem = f"{path[:80]}: {exc.__class__.__name__}: {exc}"
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
            dt = time.perf_counter() - t0
            with lock:
                if problem:
                    errors.append(problem)
                else:
                    latencies["api" if path.startswith("/api/") else "static"].append(dt * 1000)
        conn.close()

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max_seconds + 60)
    elapsed = time.perf_counter() - t0
    every = latencies["api"] + latencies["static"]
    done = len(every) + len(errors)

    def stats(ms: list[float]) -> dict:
        return {
            "n": len(ms),
            "p50_ms": percentile(ms, 0.5),
            "p90_ms": percentile(ms, 0.9),
            "p95_ms": percentile(ms, 0.95),
            "p99_ms": percentile(ms, 0.99),
            "max_ms": max(ms) if ms else float("nan"),
        }

    return {
        "requests": done,
        "errors": len(errors),
        "error_samples": errors[:10],
        "seconds": elapsed,
        "rps": done / elapsed if elapsed else 0.0,
        "concurrency": concurrency,
        "all": stats(every),
        "api": stats(latencies["api"]),
        "static": stats(latencies["static"]),
        "stopped_early": done < total,
    }


class Server:
    """``kb serve KB`` on 127.0.0.1 in its own process group, stopped (and waited for) on exit."""

    def __init__(self, kb: Path, port: int, workers: int = 1):
        argv = [str(KB_BIN), "serve", str(kb), "--host", HOST, "--port", str(port)]
        if workers > 1:
            argv += ["--workers", str(workers)]
        self.port = port
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)

    def wait_ready(self, timeout: float = 60) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"kb serve exited: {self.proc.stderr.read().decode(errors='replace')[-500:]}")
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
                conn.request("GET", "/")
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("kb serve did not answer in time")

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.proc.stderr:
            self.proc.stderr.close()


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.split("\n\n")[0])
    ap.add_argument("kb", nargs="?", default=".", type=Path, help="the KB folder (default: here)")
    ap.add_argument("--requests", type=int, default=10_000, help="requests to send (default 10000; at most 1000000)")
    ap.add_argument("--concurrency", type=int, default=50, help="concurrent connections (default 50; at most 500)")
    ap.add_argument("--max-seconds", type=float, default=300.0, help="stop after this long (default 300)")
    ap.add_argument("--workers", type=int, default=1, help="kb serve worker processes (default 1)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    if not 1 <= args.requests <= 1_000_000 or not 1 <= args.concurrency <= 500 or not 0 < args.max_seconds <= 3600:
        ap.error("keep --requests within 1..1000000, --concurrency within 1..500, --max-seconds within 0..3600")
    kb = args.kb.resolve()
    from kb_tools.config.kbconfig import load_config

    if not (load_config(kb).site_path / "index.html").is_file():
        built = subprocess.run([str(KB_BIN), "build", str(kb)], capture_output=True, text=True)
        if built.returncode != 0:
            raise SystemExit(f"kb build failed:\n{built.stderr[-2000:]}")
    mix = request_mix(kb, seed=args.seed)
    server = Server(kb, free_port(), args.workers)
    try:
        server.wait_ready()
        run_load(server.port, mix, min(200, args.requests), min(args.concurrency, 10), 30)  # warm-up, not counted
        res = run_load(server.port, mix, args.requests, args.concurrency, args.max_seconds)
    finally:
        server.stop()
    res["workers"] = args.workers
    if args.json:
        print(json.dumps(res, indent=1))
    else:
        print(
            f"{res['requests']} requests, {res['errors']} errors, {res['seconds']:.1f} s, {res['rps']:.0f} req/s "
            f"({args.concurrency} concurrent, {args.workers} worker{'s' if args.workers > 1 else ''})"
        )
        for part in ("all", "api", "static"):
            s = res[part]
            figures = "  ".join(f"{q} {s[q + '_ms']:.1f} ms" for q in ("p50", "p90", "p99"))
            print(f"  {part:6} n={s['n']:6}  {figures}")
        for e in res["error_samples"]:
            print(f"  error: {e}")
    return res


if __name__ == "__main__":
    result = main()
    sys.exit(1 if result["errors"] or result["stopped_early"] else 0)
