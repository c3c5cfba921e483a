#!/usr/bin/env python3
"""report.py: the seeds' eleven claims, each with a stated test evaluated on measured
figures: what `make report` runs.

    tools/report.py [-o DIR] [--no-figures] RECORDS...

RECORDS: files of the suite's records, CSV (with its header lines) or JSON lines (a
file ending in .json or .jsonl, or whose first character is "{"): from make evidence,
make run, a job of jobs/ or a sweep's elements, one or many, from one host or several.
Standard library only.

How a figure is made (docs/report.md says it for a reader):
- a *round* is one record of a case (exercise, backend, variant, workers, size, phase)
  from one run of a program; make evidence runs every experiment in 3 interleaved rounds.
- a figure's value is the median over its rounds; its interval runs from the lowest
  round's figure to the highest (with fewer than 3 rounds, when no verdict is given, it
  is shown with the records' own 95% intervals of the median, median_lo_s, median_hi_s).
- a ratio of two figures has the interval [lo_a / hi_b, hi_a / lo_b].
- speedups come from the records, never from notes: the serial baseline's median over
  the parallel run's median, both from the same run of the program (the same round).
- records flagged `suspect` are left out of a figure; when that leaves fewer than 3
  rounds the claim's verdict is `suspect`.

A claim's verdict comes from its test alone, "FIGURE >= THRESHOLD" (or <=):
  backed        the whole interval is on the claim's side of the threshold
  refuted       the whole interval is on the other side
  inconclusive  the interval straddles the threshold, or fewer than 3 rounds
  suspect       too few rounds are left once the suspect records are out
A claim with several tests is backed when all are, refuted when one is, else
inconclusive (suspect when one is and none is refuted).
Each host is its own section: no verdict mixes records of two hosts.
Writes DIR/index.html, DIR/report.md and DIR/figures/*.svg (gnuplot), and prints a short
text summary. Exit 0, 1 when no record could be read, 2 on bad usage."""

import argparse
import csv
import html
import io
import json
import os
import shutil
import statistics
import subprocess
import sys

MIN_ROUNDS = 3

# backends: (label, group, colour, dash): threads in blues, processes in reds; the line
# style tells the model apart within a group
STYLE = {
    "pthreads": ("pthreads (threads)", "threads", "#1f5fbf", 1),
    "openmp": ("OpenMP (threads)", "threads", "#5fa8e8", 2),
    "py-threads": ("Python threads", "threads", "#0b2e6b", 4),
    "procs": ("procs (processes)", "processes", "#c0392b", 1),
    "mpi": ("MPI ranks (processes)", "processes", "#e67e22", 2),
    "hybrid": ("hybrid (ranks x threads)", "processes", "#8e44ad", 3),
    "py-procs": ("Python processes", "processes", "#6e1a12", 4),
}
BACKENDS = ["pthreads", "openmp", "py-threads", "procs", "mpi", "hybrid", "py-procs"]
NUMERIC = ("workers", "size", "reps", "min_s", "median_s", "max_s", "median_lo_s",
           "median_hi_s", "ops", "ns_per_op", "cores", "load_start", "load1", "loaded")


# ---- reading -------------------------------------------------------------------------
def num(v):
    if v is None or v == "":
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def parse_note(s):
    """key=value pairs; a value may be quoted ('...' or "...") and hold spaces."""
    out, i, n = {}, 0, len(s or "")
    s = s or ""
    while i < n:
        while i < n and s[i] == " ":
            i += 1
        j = i
        while j < n and s[j] not in "= ":
            j += 1
        key = s[i:j]
        if j >= n or s[j] != "=":
            # a word without a value: part of the previous value
            i = j + 1
            continue
        j += 1
        if j < n and s[j] in "'\"":
            q = s[j]
            k = s.find(q, j + 1)
            k = n if k < 0 else k
            out[key] = s[j + 1:k]
            i = k + 1
        else:
            k = j
            while k < n and s[k] != " ":
                k += 1
            val = s[j:k]
            # words up to the next key=value belong to this value (e.g. via=a forked sandbox)
            m = k
            while m < n:
                w0 = m + 1
                w1 = w0
                while w1 < n and s[w1] != " ":
                    w1 += 1
                word = s[w0:w1]
                if not word or "=" in word:
                    break
                val += " " + word
                m = w1
            out[key] = val
            i = m
    return out


def read_records(path):
    """The records of one file, each a dict of strings (JSON values as text) plus
    'file' and 'run' (which run of a program wrote it: consecutive records of one
    command and start time)."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    recs = []
    first = text.lstrip()[:1]
    if path.endswith((".json", ".jsonl")) or first == "{":
        for ln, line in enumerate(text.splitlines(), 1):
            line = line.strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{ln}: not a JSON record ({e.msg})") from None
            if not isinstance(obj, dict) or "exercise" not in obj:
                raise ValueError(f"{path}:{ln}: not a record of the suite (no exercise)")
            recs.append({k: ("" if v is None else str(v)) for k, v in obj.items()})
    else:
        header = None
        for row in csv.reader(io.StringIO(text)):
            if not row:
                continue
            if row[0] == "exercise":
                header = row
                continue
            if header is None:
                raise ValueError(f"{path}: no CSV header line (exercise,backend,...)")
            recs.append(dict(zip(header, row)))
    run, last = 0, None
    for r in recs:
        key = (r.get("host"), r.get("command"), r.get("time_utc"), r.get("exercise"),
               r.get("backend"))
        if key != last:
            run += 1
            last = key
        r["file"] = path
        r["run"] = f"{path}#{run}"
        for k in NUMERIC:
            r["_" + k] = num(r.get(k))
        r["_note"] = parse_note(r.get("note", ""))
    return recs


# ---- figures with intervals ----------------------------------------------------------
class Fig:
    """A figure over rounds: value (median of the rounds), lo, hi, rounds, and what was
    left out as suspect."""

    def __init__(self, vals, los=None, his=None, suspect=0, why=""):
        self.vals = [v for v in vals if v is not None]
        self.n = len(self.vals)
        self.suspect = suspect
        self.why = why
        if self.n:
            self.value = statistics.median(self.vals)
            if self.n >= MIN_ROUNDS:
                # across rounds: from the lowest round's figure to the highest
                self.lo, self.hi = min(self.vals), max(self.vals)
            else:
                # too few rounds for a verdict: shown with the records' own intervals
                self.lo = min([x for x in (los or []) if x is not None] + self.vals)
                self.hi = max([x for x in (his or []) if x is not None] + self.vals)
        else:
            self.value = self.lo = self.hi = None

    def __bool__(self):
        return self.n > 0

    def ratio(self, other):
        r = Fig([])
        if not self or not other or not other.value or not other.lo:
            return r
        r.vals = [self.value / other.value]
        r.n = min(self.n, other.n)
        r.value = self.value / other.value
        r.lo = self.lo / other.hi if other.hi else None
        r.hi = self.hi / other.lo
        r.suspect = self.suspect + other.suspect
        r.why = "; ".join(sorted({w for w in (self.why, other.why) if w}))
        return r

    def scaled(self, k):
        r = Fig([])
        r.__dict__.update(self.__dict__)
        if self:
            r.vals = [v * k for v in self.vals]
            r.value, r.lo, r.hi = self.value * k, self.lo * k, self.hi * k
        return r


def fmt(x, unit=""):
    if x is None:
        return "-"
    a = abs(x)
    if a == 0:
        s = "0"
    elif a >= 100:
        s = f"{x:,.0f}"
    elif a >= 10:
        s = f"{x:.1f}"
    elif a >= 1:
        s = f"{x:.2f}"
    else:
        s = f"{x:.3g}"
    return s + unit


def fmt_fig(f, unit=""):
    if not f:
        return "not measured"
    return f"{fmt(f.value, unit)} [{fmt(f.lo)}, {fmt(f.hi)}]"


class Host:
    """One host's records, indexed by case."""

    def __init__(self, name, recs):
        self.name = name
        self.recs = recs
        self.cores = int(max((r["_cores"] or 0) for r in recs)) or None
        self.na = {}
        self.by = {}
        for r in recs:
            if r.get("verdict") == "n/a":
                self.na[(r["exercise"], r["backend"], r["variant"])] = r["_note"].get(
                    "reason", r.get("note", ""))
                continue
            k = (r["exercise"], r["backend"], r["variant"], r["_workers"], r["_size"], r["phase"])
            self.by.setdefault(k, []).append(r)
        self.calibrated = {"race", "sync"}  # their size is the calibrated repetitions

    def find(self, ex, b, v, w=None, size=None, phase="run"):
        """Records of a case, every size when size is None (and for calibrated ones)."""
        out = []
        for (e, bb, vv, ww, ss, ph), rs in self.by.items():
            if e != ex or bb != b or vv != v or ph != phase:
                continue
            if w is not None and ww != w:
                continue
            if size is not None and ex not in self.calibrated and ss != size:
                continue
            out.extend(rs)
        return out

    def workers(self, ex, b=None, v=None, phase=None):
        return sorted({k[3] for k in self.by if k[0] == ex and (b is None or k[1] == b)
                       and (v is None or k[2] == v) and (phase is None or k[5] == phase)
                       and k[3] is not None})

    def sizes(self, ex, b=None, v=None):
        return sorted({k[4] for k in self.by if k[0] == ex and (b is None or k[1] == b)
                       and (v is None or k[2] == v) and k[4] is not None})

    def backends(self, ex):
        return [b for b in BACKENDS if any(k[0] == ex and k[1] == b for k in self.by)]


def time_fig(recs, per=1.0, field="median_s"):
    """A timed figure over rounds (seconds x per), suspect rounds left out."""
    good = [r for r in recs if r.get("verdict") != "suspect" and r["_" + field] is not None]
    bad = [r for r in recs if r.get("verdict") == "suspect"]
    why = "; ".join(sorted({r["_note"].get("suspect", "flagged suspect") for r in bad}))
    return Fig([r["_" + field] * per for r in good],
               [r["_median_lo_s"] * per for r in good if r["_median_lo_s"] is not None],
               [r["_median_hi_s"] * per for r in good if r["_median_hi_s"] is not None],
               suspect=len(bad), why=why)


def note_fig(recs, key):
    """A note's figure over rounds (one value per run of a program)."""
    seen, vals = set(), []
    for r in recs:
        # a record flagged for another figure (a phase's interval) keeps its note's figure
        why = r["_note"].get("suspect", "") if r.get("verdict") == "suspect" else ""
        if r["run"] in seen or (why and ("memory" in why or key in why)):
            continue
        v = num(r["_note"].get(key))
        if v is not None:
            seen.add(r["run"])
            vals.append(v)
    return Fig(vals)


def paired_fig(num_recs, den_recs, f=lambda a, b: a / b):
    """f(numerator, denominator) per run of a program (records of the same run paired),
    with its interval from the pair's bounds. Suspect rounds left out."""
    den = {r["run"]: r for r in den_recs}
    vals, los, his, bad, why = [], [], [], 0, set()
    for a in num_recs:
        b = den.get(a["run"])
        if b is None:
            continue
        if a.get("verdict") == "suspect" or b.get("verdict") == "suspect":
            bad += 1
            why.add((a if a.get("verdict") == "suspect" else b)["_note"].get("suspect", "suspect"))
            continue
        if not a["_median_s"] or not b["_median_s"]:
            continue
        vals.append(f(a["_median_s"], b["_median_s"]))
        alo, ahi = a["_median_lo_s"] or a["_median_s"], a["_median_hi_s"] or a["_median_s"]
        blo, bhi = b["_median_lo_s"] or b["_median_s"], b["_median_hi_s"] or b["_median_s"]
        los.append(f(alo, bhi))
        his.append(f(ahi, blo))
    return Fig(vals, los, his, suspect=bad, why="; ".join(sorted(why)))


# ---- verdicts -------------------------------------------------------------------------
class Test:
    def __init__(self, what, fig, op, threshold, unit=""):
        self.what, self.fig, self.op, self.threshold, self.unit = what, fig, op, threshold, unit
        f = fig
        if f is None or (not f and not (f is not None and f.suspect)):
            self.verdict, self.why = "inconclusive", "not measured"
        elif not f or f.n < MIN_ROUNDS:
            if f is not None and f.suspect and f.n < MIN_ROUNDS:
                self.verdict, self.why = "suspect", f"{f.suspect} round(s) flagged suspect ({f.why})"
            else:
                self.verdict, self.why = "inconclusive", f"{f.n} round(s), {MIN_ROUNDS} needed (make evidence runs {MIN_ROUNDS})"
        else:
            above = f.lo >= threshold
            below = f.hi < threshold
            if op == ">=":
                self.verdict = "backed" if above else "refuted" if below else "inconclusive"
            else:
                self.verdict = "backed" if f.hi <= threshold else "refuted" if f.lo > threshold else "inconclusive"
            self.why = "interval straddles the threshold" if self.verdict == "inconclusive" else ""

    def line(self):
        return (f"test: {self.what} {self.op} {fmt(self.threshold)}{self.unit}: "
                f"{fmt_fig(self.fig, self.unit)} over {self.fig.n if self.fig else 0} rounds"
                f" -> {self.verdict}" + (f" ({self.why})" if self.why else ""))


def combine(tests):
    vs = [t.verdict for t in tests]
    if not vs:
        return "not measured"
    if "refuted" in vs:
        return "refuted"
    if "suspect" in vs:
        return "suspect"
    if all(v == "backed" for v in vs):
        return "backed"
    return "inconclusive"


class Claim:
    def __init__(self, n, text):
        self.n, self.text = n, text
        self.tests, self.lines, self.meaning, self.figure = [], [], {}, None
        self.scope = "C"

    @property
    def verdict(self):
        return combine(self.tests)

    def say(self, s):
        self.lines.append(s)


def scaling_w(host, ws):
    """The worker counts up to the cores, the largest of them being where scaling is read."""
    inside = [w for w in ws if host.cores is None or w <= host.cores]
    return inside[-1] if inside else (ws[0] if ws else None)


# ---- the claims --------------------------------------------------------------------------
def claim1(h):
    c = Claim(1, "threads win for I/O-bound work")
    bks = [b for b in h.backends("workload") if h.find("workload", b, "io", phase="work")]
    ws = h.workers("workload", v="io", phase="work")
    series = {}
    for b in bks:
        for w in h.workers("workload", b, "io", "work"):
            work = h.find("workload", b, "io", w, phase="work")
            ser = h.find("workload", b, "io", w, phase="serial")
            start = {r["run"]: r for r in h.find("workload", b, "io", w, phase="start")}
            end = {r["run"]: r for r in h.find("workload", b, "io", w, phase="end")}
            s = paired_fig(ser, work)
            # with the fresh workers' start and end counted: serial / (start + work + end)
            tot = []
            for r in work:
                st, en = start.get(r["run"]), end.get(r["run"])
                if not st or not en or st["_median_s"] is None or en["_median_s"] is None:
                    continue
                t = dict(r)
                for k in ("_median_s", "_median_lo_s", "_median_hi_s"):
                    t[k] = (r[k] or r["_median_s"]) + (st[k] or st["_median_s"]) + (en[k] or en["_median_s"])
                if "suspect" in (st.get("verdict"), en.get("verdict")):
                    t["verdict"] = "pass"  # a sub-ms phase's wide interval: kept, the sum is what counts
                tot.append(t)
            sf = paired_fig(ser, tot)
            series.setdefault(b, {})[w] = (s, sf, note_fig(work, "create_us_per_worker"))
    wmax = max(ws) if ws else None
    if wmax:
        c.say(f"waits of 1 ms, W = {', '.join(str(int(w)) for w in ws)} workers on {h.cores} cores:")
        for b in bks:
            if wmax in series.get(b, {}):
                s, sf, cr = series[b][wmax]
                c.say(f"  {STYLE[b][0]} at W = {int(wmax)}: speedup {fmt_fig(s)}; counting each worker's start and end {fmt_fig(sf)}; start {fmt_fig(cr, ' us')} a worker")
    t = series.get("pthreads", {}).get(wmax)
    p = series.get("procs", {}).get(wmax)
    if t and p:
        c.tests.append(Test(f"threads' speedup / processes' at W = {int(wmax)}, a fresh worker per waiter, start and end counted",
                            t[1].ratio(p[1]), ">=", 1.2))
        c.tests.append(Test(f"threads' speedup / processes' at W = {int(wmax)}, the waits alone",
                            t[0].ratio(p[0]), ">=", 0.9))
        c.meaning = {
            "backed": "both overlap their waits as well, and a waiting thread is far cheaper to start than a waiting process: with a fresh worker per waiter threads win. (In Python the GIL adds a reason; in C there is none.)",
            "refuted": "processes overlap waits as well as threads, even counting their start: in C the claim does not hold at these sizes.",
        }
    c.figure = ("claim1", series, ws)
    return c


def claim2(h):
    c = Claim(2, "threads share data more cheaply than processes")
    bw, lat = {}, {}
    for b in h.backends("ipc"):
        for v in sorted({k[2] for k in h.by if k[0] == "ipc" and k[1] == b}):
            for s in h.sizes("ipc", b, v):
                # the pinned runs are claim 3's
                st = unpinned(h.find("ipc", b, v, size=s, phase="stream"))
                la = unpinned(h.find("ipc", b, v, size=s, phase="latency"))
                if st and st[0]["_ops"]:
                    # bytes handed over per second: size x messages / time (GB/s)
                    f = time_fig(st, 1.0 / (s * st[0]["_ops"]) * 1e9)  # ns per byte
                    bw.setdefault((b, v), {})[s] = Fig([1 / x for x in f.vals],
                                                       [1 / f.hi] if f else [], [1 / f.lo] if f else [],
                                                       f.suspect, f.why) if f else f
                if la and la[0]["_ops"]:
                    lat.setdefault((b, v), {})[s] = time_fig(la, 1e6 / la[0]["_ops"])
    sizes = sorted({s for d in bw.values() for s in d})
    big = sizes[-1] if sizes else None

    def best(backend, chans):
        cands = [(bw[(backend, ch)][big], ch) for ch in chans if (backend, ch) in bw and big in bw[(backend, ch)] and bw[(backend, ch)][big]]
        return max(cands, key=lambda x: x[0].value) if cands else (None, None)
    if big:
        ptr, _ = best("pthreads", ["pointer"])
        cp_t, cht = best("pthreads", ["spin", "condvar"])
        cp_p, chp = best("procs", ["shm", "condvar", "pipe", "socketpair", "mqueue"])
        c.say(f"bandwidth at {human_bytes(big)}, GB/s: threads passing a pointer {fmt_fig(ptr)}; threads copying ({cht}) {fmt_fig(cp_t)}; processes copying ({chp}) {fmt_fig(cp_p)}")
        if ptr and cp_p:
            c.tests.append(Test(f"threads' pointer hand-off / processes' best copy, bandwidth at {human_bytes(big)}", ptr.ratio(cp_p), ">=", 2.0))
        if cp_t and cp_p:
            c.say(f"  a copy against a copy: threads / processes {fmt_fig(cp_t.ratio(cp_p))} (the same ring in shared memory: no difference expected)")
        c.meaning = {
            "backed": "threads can hand over data without copying it (a pointer); processes must copy it or map it on purpose, so for large data threads share more cheaply. Copy for copy, the two cost the same.",
            "refuted": "copying dominates both: passing a pointer did not beat a copy between processes here.",
        }
    c.figure = ("claim2", lat, bw)
    return c


def human_bytes(s):
    s = int(s)
    for unit, k in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if s >= k and s % k == 0:
            return f"{s // k} {unit}"
    return f"{s} B"


def on_one_cpu(r):
    """The process could run on one CPU only (taskset -c 0: affinity "0")."""
    a = r.get("affinity") or ""
    return a != "" and "-" not in a and "," not in a


def unpinned(recs):
    return [r for r in recs if not on_one_cpu(r)]


def pinned(recs):
    return [r for r in recs if on_one_cpu(r)]


def claim3(h):
    c = Claim(3, "switching between threads is cheaper than between processes")
    res = {}
    for b in ("pthreads", "procs"):
        for v in ("condvar", "pipe"):
            la = pinned(h.find("ipc", b, v, size=8, phase="latency"))
            if la and la[0]["_ops"]:
                res[(b, v)] = time_fig(la, 1e6 / la[0]["_ops"])
    for v in ("condvar", "pipe"):
        t, p = res.get(("pthreads", v)), res.get(("procs", v))
        if t and p:
            c.say(f"8 B ping-pong pinned to one core through a {v}: one-way {fmt_fig(t, ' us')} between threads, {fmt_fig(p, ' us')} between processes")
            c.tests.append(Test(f"processes' / threads' pinned hand-off, {v}", p.ratio(t), ">=", 1.1))
    c.meaning = {
        "backed": "on one core every hand-off is a switch; between processes it also changes the address space, and that costs measurably more than between threads.",
        "refuted": "on one core a switch between processes costs less than 10% more than one between threads: the address-space change is small next to the sleep and the wake-up.",
    }
    c.figure = ("claim3", res)
    return c


def claim4(h):
    c = Claim(4, "threads use less memory than processes")
    mem = {}
    for b, key in (("pthreads", "thread_kib_per_worker"), ("openmp", "thread_kib_per_worker"),
                   ("procs", "process_kib_per_worker"), ("mpi", "pss_kib_per_rank")):
        recs = [r for r in h.recs if r["exercise"] == "workload" and r["backend"] == b and r.get("phase") == "work"]
        f = note_fig(recs, key)
        if f:
            mem[b] = f
            c.say(f"{STYLE[b][0]}: {fmt_fig(f, ' KiB')} a worker ({key})")
    if "pthreads" in mem and "procs" in mem:
        c.tests.append(Test("a process's memory / a thread's, per worker (slope from 1 to M idle workers)",
                            mem["procs"].ratio(mem["pthreads"]), ">=", 1.5))
    c.meaning = {
        "backed": "a thread adds a stack and a kernel task; a process adds its own page tables and the pages it writes, several times more (a fork()ed process shares the rest until it writes it). An MPI rank is a whole program: megabytes.",
        "refuted": "here a process cost no more than 1.5 threads.",
    }
    c.figure = ("claim4", mem)
    return c


def claim5(h):
    c = Claim(5, "creating a process costs more than creating a thread")
    cr = {}
    for b in ("pthreads", "openmp", "procs"):
        for w in h.workers("workload", b, phase="work"):
            recs = [r for r in h.find("workload", b, "io", w, phase="work")]
            f = note_fig(recs, "create_us_per_worker")
            if f:
                cr.setdefault(b, {})[w] = f
    ws = sorted(set(cr.get("pthreads", {})) & set(cr.get("procs", {})))
    if ws:
        w = scaling_w(h, ws)
        t, p = cr["pthreads"][w], cr["procs"][w]
        c.say(f"per worker, create call to running, W = {int(w)}: a thread {fmt_fig(t, ' us')}, a process {fmt_fig(p, ' us')}")
        c.tests.append(Test(f"a process's creation / a thread's, W = {int(w)}", p.ratio(t), ">=", 1.5))
    c.meaning = {
        "backed": "fork() copies the page tables and sets up a new address space; pthread_create only maps a stack.",
        "refuted": "here creating a process cost no more than 1.5 threads.",
    }
    c.figure = ("claim5", cr)
    return c


SCHEDULES = ["static", "cyclic", "dynamic", "guided"]


def sumsquares_speedups(h):
    sp = {}
    for b in h.backends("sumsquares"):
        for v in SCHEDULES:
            for w in h.workers("sumsquares", b, v, "run"):
                run = h.find("sumsquares", b, v, w, phase="run")
                ser = h.find("sumsquares", b, v, w, phase="serial")
                f = paired_fig(ser, run)
                if f or f.suspect:
                    sp.setdefault((b, v), {})[w] = f
    return sp


def amdahl(points):
    """Serial fraction f of Amdahl's law fitted to (p, speedup) by least squares on
    1/S = f (1 - 1/p) + 1/p; and Karp-Flatt's e at each p > 1."""
    xs = [(1 - 1 / p, 1 / s - 1 / p) for p, s in points if p > 1 and s > 0]
    if not xs:
        return None, {}
    f = sum(x * y for x, y in xs) / sum(x * x for x, _ in xs)
    f = min(max(f, 0.0), 1.0)
    kf = {p: (1 / s - 1 / p) / (1 - 1 / p) for p, s in points if p > 1 and s > 0}
    return f, kf


def claim6(h):
    c = Claim(6, "processes are needed for CPU-bound work")
    c.scope = "C (the GIL, the seeds' reason, is Python's: see the Python peers where measured)"
    sp = sumsquares_speedups(h)
    ws = sorted({w for d in sp.values() for w in d})
    w = scaling_w(h, [x for x in ws if x > 1]) if ws else None
    models = {}
    for b in ("pthreads", "openmp", "procs", "mpi"):
        best = None
        for v in SCHEDULES:
            pts = [(p, f.value) for p, f in sp.get((b, v), {}).items() if f]
            fr, kf = amdahl(pts)
            if fr is not None and (best is None or fr < best[1]):
                best = (v, fr, kf)
        if best:
            models[b] = best
    if w:
        # "needed": no model of threads gets where processes get. Per schedule, the better
        # thread model against the better process model (pthreads or OpenMP, procs or MPI)
        for v in SCHEDULES:
            def better(bks):
                fs = [(sp.get((b, v), {}).get(w), b) for b in bks]
                fs = [(f, b) for f, b in fs if f]
                return max(fs, key=lambda x: x[0].value) if fs else (None, None)
            t, tb = better(("pthreads", "openmp"))
            p, pb = better(("procs", "mpi"))
            if t and p:
                c.say(f"{v}: efficiency at W = {int(w)} ({host_cores(h)}): threads ({tb}) {fmt_fig(t.scaled(1 / w))}, processes ({pb}) {fmt_fig(p.scaled(1 / w))}")
                c.tests.append(Test(f"processes' ({pb}) / threads' ({tb}) efficiency at W = {int(w)}, {v}", p.ratio(t), ">=", 1.25))
    for (b, v), d in sorted(sp.items(), key=lambda kv: (BACKENDS.index(kv[0][0]), SCHEDULES.index(kv[0][1]))):
        c.say(f"{STYLE[b][0]} {v}: speedup " + ", ".join(f"W={int(x)}: {fmt_fig(f)}" for x, f in sorted(d.items())))
    for b, (v, fr, kf) in models.items():
        c.say(f"model, {STYLE[b][0]} ({v}): Amdahl serial fraction {fmt(fr)}, so {fmt(1 / (fr + (1 - fr) / 64))}x at 64 cores; Karp-Flatt e " +
              ", ".join(f"{fmt(e)} at {int(p)}" for p, e in sorted(kf.items())))
    c.meaning = {
        "backed": "threads fell well short of processes on CPU-bound work here.",
        "refuted": "in C threads compute in parallel as well as processes (within 25% at the same schedule): the claim is about Python's GIL, not about threads.",
    }
    c.figure = ("claim6", sp, models, ws)
    return c


def host_cores(h):
    return f"{h.cores} cores" if h.cores else "cores unknown"


def claim7_11(h, n, variant, text):
    c = Claim(n, text)
    res = {}
    for b in ("pthreads", "openmp", "procs", "mpi"):
        recs = h.find("errors", b, variant, phase="run")
        if recs:
            kept = []
            for r in recs:
                nt = r["_note"]
                if "done" in nt:
                    kept.append(num(nt["done"]))
                else:
                    kept.append(0.0)
            res[b] = (recs, Fig(kept))
        elif ("errors", b, variant) in h.na:
            res[b] = (None, h.na[("errors", b, variant)])
    what = "a worker dies by SIGSEGV" if variant == "crash" else "a worker meets an error it does not handle and calls exit()"
    if res:
        c.say(f"{what}; 12 tasks, task 5 fails:")
    for b, (recs, f) in res.items():
        if recs is None:
            c.say(f"  {STYLE[b][0]}: n/a: {f}")
            continue
        v = sorted({r["verdict"] for r in recs})
        whole = sum(1 for r in recs if "whole" in r.get("note", ""))
        c.say(f"  {STYLE[b][0]}: {len(recs)} rounds, verdict {'/'.join(v)}; other tasks' results kept {fmt_fig(f)}" +
              (f"; the whole process ended in {whole} of {len(recs)}" if whole else ""))
    if variant == "crash":
        p = res.get("procs")
        if p and p[0]:
            ok = Fig([1.0 if r["verdict"] == "pass" and num(r["_note"].get("done")) == 11 else 0.0 for r in p[0]])
            ok.lo = min(ok.vals) if ok else None
            c.tests.append(Test("share of rounds in which the parent of a crashed process went on with every other result", ok, ">=", 1.0))
        c.meaning = {"backed": "a process that dies takes nothing with it: the parent sees the signal (WIFSIGNALED) and keeps every other result. A thread's crash is its whole process's.",
                     "refuted": "a crashed process did not leave its parent whole here."}
    else:
        t = res.get("pthreads")
        if t and t[0]:
            ok = Fig([1.0 if "whole" in r.get("note", "") else 0.0 for r in t[0]])
            c.tests.append(Test("share of rounds in which one thread's unhandled error ended the whole process", ok, ">=", 1.0))
        c.meaning = {"backed": "exit() from one thread ends every thread of its process (shown in a forked sandbox); the same error in a child process ends only that child. An MPI rank that leaves this way ends the whole job.",
                     "refuted": "one thread's unhandled error did not end its process here."}
    c.figure = ("claim%d" % n, res, variant)
    return c


def squares_total(h, b, v, w, s):
    """Start-up + work + tear-down per run of the program, as one timed figure."""
    parts = {ph: {r["run"]: r for r in h.find("squares", b, v, w, s, ph)} for ph in ("startup", "work", "teardown")}
    tot = []
    for run, r in parts["work"].items():
        t = dict(r)
        for k in ("_median_s", "_median_lo_s", "_median_hi_s"):
            val = 0.0
            for ph in ("startup", "work", "teardown"):
                x = parts[ph].get(run)
                if x is not None and x["_median_s"] is not None:  # an empty phase (spawn) adds 0
                    val += x[k] if x[k] is not None else x["_median_s"]
            t[k] = val
        t["verdict"] = r["verdict"]
        tot.append(t)
    return time_fig(tot, 1e3)


def claim8(h):
    c = Claim(8, "a pool saves the cost of creating workers")
    res = {}
    for b in h.backends("squares"):
        for s in h.sizes("squares", b, "spawn"):
            for w in h.workers("squares", b, "spawn"):
                sp = squares_total(h, b, "spawn", w, s)
                po = squares_total(h, b, "pool", w, s)
                if sp and po:
                    res[(b, s)] = (w, po, sp)
    for (b, s), (w, po, sp) in sorted(res.items()):
        c.say(f"{STYLE[b][0]}, {int(s)} items, {int(w)} at once: pool {fmt_fig(po, ' ms')} (start-up and tear-down in), a worker per item {fmt_fig(sp, ' ms')}")
    big = max((s for _, s in res), default=None)
    if big is not None:
        for b in ("pthreads", "procs"):
            if (b, big) in res:
                w, po, sp = res[(b, big)]
                c.tests.append(Test(f"{b}: a worker per item / a pool, {int(big)} items", sp.ratio(po), ">=", 1.5))
    c.meaning = {"backed": "with many items, creating a worker per item costs more than the work; a pool pays for its workers once.",
                 "refuted": "a worker per item cost no more than 1.5 times a pool here."}
    c.figure = ("claim8", res)
    return c


def claim9(h):
    c = Claim(9, 'a bigger pool is faster, "up to a point"')
    curves = {}
    for b in h.backends("squares"):
        for s in h.sizes("squares", b, "pool"):
            for w in h.workers("squares", b, "pool"):
                f = squares_total(h, b, "pool", w, s)
                if f:
                    curves.setdefault((b, s), {})[w] = f
    big = max((s for _, s in curves), default=None)
    for (b, s), cv in sorted(curves.items()):
        c.say(f"{STYLE[b][0]}, {int(s)} items, total ms by pool size: " +
              ", ".join(f"{int(w)}: {fmt_fig(f)}" for w, f in sorted(cv.items())))
    if big is not None:
        # the test is on the seed's pool, multiprocessing.Pool: processes (threads are drawn)
        cv = curves.get(("procs", big))
        if cv and len(cv) >= 3:
            ws = sorted(cv)
            wbest = min(ws, key=lambda w: cv[w].value)
            c.say(f"  processes, {int(big)} items: the fastest pool has {int(wbest)} workers, on {host_cores(h)}")
            c.tests.append(Test(f"processes, {int(big)} items: pool of {int(ws[0])} / pool of {int(wbest)} (bigger is faster)", cv[ws[0]].ratio(cv[wbest]), ">=", 1.1))
            c.tests.append(Test(f"processes, {int(big)} items: pool of {int(ws[-1])} / pool of {int(wbest)} (then slower)", cv[ws[-1]].ratio(cv[wbest]), ">=", 1.1))
    c.meaning = {"backed": "a bigger pool is faster until the workers outnumber the cores; past them, each extra worker only adds its start-up and tear-down (and contention).",
                 "refuted": "the pool sizes run here show no such point."}
    c.figure = ("claim9", curves)
    return c


def claim10(h):
    c = Claim(10, "a lock prevents lost updates")
    lost = {}
    for b in h.backends("race"):
        for v in ("none", "lock", "atomic", "local"):
            for w in h.workers("race", b, v):
                recs = h.find("race", b, v, w)
                if not recs:
                    continue
                if v == "none":
                    f = note_fig(recs, "lost_updates_max")
                else:
                    # exact by validation: a pass is exactly 0 lost; anything else is a loss
                    f = Fig([0.0 if r["verdict"] in ("pass", "suspect") else 1.0 for r in recs])
                lost.setdefault((b, v), {})[w] = f
    ws = sorted({w for d in lost.values() for w in d if w and w >= 2})
    for (b, v), d in sorted(lost.items()):
        c.say(f"{STYLE[b][0]} {v}: updates lost (the most in a repetition) " + ", ".join(f"W={int(w)}: {fmt_fig(f)}" for w, f in sorted(d.items()) if w >= 2))
    # without a lock: the backend that lost fewest (each its worst repetition over rounds
    # and W >= 2); with one: any round of any backend and kind of lock that lost one
    worst_none, with_lock, n_none, n_lock = {}, [], [], []
    for (b, v), d in lost.items():
        fs = [f for w, f in d.items() if w and w >= 2 and f]
        if not fs:
            continue
        if v == "none":
            worst_none[b] = max(f.hi for f in fs)
            n_none.append(min(f.n for f in fs))
        else:
            with_lock.append(max(f.hi for f in fs))
            n_lock.append(min(f.n for f in fs))
    if worst_none:
        fewest = min(worst_none, key=worst_none.get)
        c.tests.append(Test(f"updates lost without a lock, in the worst repetition, by the backend that lost fewest ({fewest}; W >= 2)",
                            Fig([worst_none[fewest]] * min(n_none)), ">=", 1))
    if with_lock:
        c.tests.append(Test("rounds with an update lost with a lock, an atomic or private sums, any backend, W >= 2",
                            Fig([max(with_lock)] * min(n_lock)), "<=", 0))
    c.meaning = {"backed": "without a lock, read-modify-write updates of one counter are lost (counted exactly); with a lock, an atomic or private sums none is.",
                 "refuted": "either no update was lost without a lock, or one was lost with it."}
    c.figure = ("claim10", lost, ws)
    return c


def claims(h):
    return [claim1(h), claim2(h), claim3(h), claim4(h), claim5(h), claim6(h),
            claim7_11(h, 7, "crash", "processes contain crashes"),
            claim8(h), claim9(h), claim10(h),
            claim7_11(h, 11, "exit", "an unhandled error in one worker can take down the program")]


# ---- figures (gnuplot, SVG) ------------------------------------------------------------------
class Plot:
    def __init__(self, outdir, name, title, cores):
        self.outdir, self.name, self.title, self.cores = outdir, name, title, cores
        self.panels = []
        self.ndat = 0

    def dat(self, rows):
        self.ndat += 1
        path = os.path.join(self.outdir, "data", f"{self.name}-{self.ndat}.dat")
        with open(path, "w") as f:
            for r in rows:
                f.write(" ".join(repr(float(x)) if not isinstance(x, str) else '"%s"' % x for x in r) + "\n")
        return path

    def panel(self, title, xlabel, ylabel, logx=False, logy=False, coremark=True, extra=""):
        p = {"title": title, "xlabel": xlabel, "ylabel": ylabel, "logx": logx, "logy": logy,
             "coremark": coremark, "extra": extra, "plots": []}
        self.panels.append(p)
        return p

    def series(self, panel, b, label, pts, dash=None, points=True):
        """pts: [(x, Fig)] with error bars from the interval."""
        rows = [(x, f.value, f.lo, f.hi) for x, f in pts if f and f.value is not None]
        if not rows:
            return
        if panel["logy"]:
            rows = [r for r in rows if r[1] > 0]
            rows = [(x, y, max(lo, y / 1e6) if lo else y, hi) for x, y, lo, hi in rows]
            if not rows:
                return
        path = self.dat(sorted(rows))
        col = STYLE.get(b, (b, "", "#555555", 1))[2]
        dt = dash if dash is not None else STYLE.get(b, (b, "", "", 1))[3]
        panel["plots"].append(
            f'"{path}" using 1:2:3:4 with yerrorlines lw 2 dt {dt} lc rgb "{col}" pt {7 if points else 0} ps 0.6 title "{label}"')

    def line(self, panel, label, pts, col="#777777", dt=3):
        path = self.dat(sorted(pts))
        panel["plots"].append(f'"{path}" using 1:2 with lines lw 1.5 dt {dt} lc rgb "{col}" title "{label}"')

    def bars(self, panel, items):
        """items: [(label, backend, Fig)]: one bar each, with its interval."""
        rows = [(i, f.value, f.lo, f.hi) for i, (_, _, f) in enumerate(items) if f]
        if not rows:
            return
        for i, (label, b, f) in enumerate(items):
            if not f:
                continue
            path = self.dat([(i, f.value, f.lo, f.hi)])
            col = STYLE.get(b, (b, "", "#555555", 1))[2]
            panel["plots"].append(f'"{path}" using 1:2 with boxes fs solid 0.6 lc rgb "{col}" notitle, '
                                  f'"{path}" using 1:2:3:4 with yerrorbars lc rgb "#222222" pt 7 ps 0 notitle')
        tics = ", ".join(f'"{lab}" {i}' for i, (lab, _, _) in enumerate(items))
        panel["extra"] += f"set xtics ({tics}) rotate by -20; set xrange [-0.6:{len(items) - 0.4}]; set boxwidth 0.6; set yrange [0:*]\n"
        panel["coremark"] = False

    def render(self, gnuplot):
        panels = [p for p in self.panels if p["plots"]]
        if not panels:
            return None
        svg = os.path.join(self.outdir, "figures", f"{self.name}.svg")
        n = len(panels)
        w, hgt = (560 * n if n > 1 else 760), 560
        gp = [f'set terminal svg size {w},{hgt} dynamic font "sans,11" background "#ffffff"',
              f'set output "{svg}"', "set encoding utf8", "set grid lc rgb '#dddddd'",
              "set termoption noenhanced"]
        gp.append(f'set multiplot layout 1,{n} title "{gp_str(self.title)}"')
        for p in panels:
            gp.append("unset logscale; unset arrow; set xtics autofreq; set autoscale; set key outside bottom center horizontal maxcols 2 noenhanced")
            gp.append(f'set title "{gp_str(p["title"])}"; set xlabel "{gp_str(p["xlabel"])}"; set ylabel "{gp_str(p["ylabel"])}"')
            if p["logx"]:
                gp.append("set logscale x 2")
            if p["logy"]:
                gp.append("set logscale y 10")
            if p["coremark"] and self.cores:
                gp.append(f'set arrow from {self.cores}, graph 0 to {self.cores}, graph 1 nohead dt 2 lw 1.5 lc rgb "#2e7d32" front')
                gp.append(f'set label 99 "{self.cores} cores" at {self.cores}, graph 0.96 offset 0.5,0 tc rgb "#2e7d32" front')
            else:
                gp.append("unset label 99")
            gp.append(p["extra"])
            gp.append("plot " + ", ".join(p["plots"]))
        gp.append("unset multiplot")
        script = os.path.join(self.outdir, "data", f"{self.name}.gp")
        with open(script, "w") as f:
            f.write("\n".join(gp) + "\n")
        r = subprocess.run([gnuplot, script], capture_output=True, text=True)
        if r.returncode != 0 or not os.path.exists(svg):
            raise RuntimeError(f"gnuplot failed on {script}: {r.stderr.strip()[:400]}")
        return os.path.relpath(svg, self.outdir)


def gp_str(s):
    return s.replace("\\", "\\\\").replace('"', '\\"')


def draw(c, h, outdir, gnuplot):
    kind = c.figure[0]
    p = Plot(outdir, f"{slug(h.name)}-{kind}", f"{c.n}. {c.text} ({h.name}, {host_cores(h)})", h.cores)
    if kind == "claim1":
        _, series, ws = c.figure
        a = p.panel("speedup of the waits (work phase)", "workers (each waits 1 ms per task)", "speedup over one worker", logx=True, logy=True)
        bpan = p.panel("speedup, each worker's start and end counted", "workers", "speedup over one worker", logx=True, logy=True)
        cpan = p.panel("start of one worker (create to running)", "workers", "microseconds", logx=True, logy=True)
        for b, d in series.items():
            p.series(a, b, STYLE[b][0], [(w, v[0]) for w, v in d.items()])
            p.series(bpan, b, STYLE[b][0], [(w, v[1]) for w, v in d.items()])
            p.series(cpan, b, STYLE[b][0], [(w, v[2]) for w, v in d.items()])
        if ws:
            p.line(a, "ideal", [(w, w) for w in ws])
            p.line(bpan, "ideal", [(w, w) for w in ws])
    elif kind == "claim2":
        _, lat, bw = c.figure
        sizes = sorted({s for d in bw.values() for s in d} | {s for d in lat.values() for s in d})
        tics = "set xtics (" + ", ".join(f'"{human_bytes(s).replace(" ", "")}" {int(s)}' for s in sizes) + ")\n"
        a = p.panel("one-way latency", "message size", "microseconds", logx=True, logy=True, coremark=False, extra=tics)
        bpan = p.panel("bandwidth (pointer: nothing is copied)", "message size", "GB/s", logx=True, logy=True, coremark=False, extra=tics)
        for i, ((b, v), d) in enumerate(sorted(lat.items(), key=lambda kv: (BACKENDS.index(kv[0][0]), kv[0][1]))):
            dt = {"pointer": 1, "spin": 2, "shm": 2, "shmwin": 2, "condvar": 4, "pipe": 3, "sendrecv": 5}.get(v, 1)
            p.series(a, b, f"{b} {v}", sorted(d.items()), dash=dt)
        for (b, v), d in sorted(bw.items(), key=lambda kv: (BACKENDS.index(kv[0][0]), kv[0][1])):
            dt = {"pointer": 1, "spin": 2, "shm": 2, "shmwin": 2, "condvar": 4, "pipe": 3, "sendrecv": 5}.get(v, 1)
            p.series(bpan, b, f"{b} {v}", sorted(d.items()), dash=dt)
    elif kind == "claim3":
        _, res = c.figure
        a = p.panel("8 B ping-pong on one core (taskset -c 0)", "", "one-way latency (us)")
        p.bars(a, [(f"{'threads' if b == 'pthreads' else 'processes'}: {v}", b, f) for (b, v), f in sorted(res.items(), key=lambda kv: (kv[0][1], kv[0][0] != "pthreads"))])
    elif kind == "claim4":
        _, mem = c.figure
        a = p.panel("memory per idle worker (slope, 1 to M workers)", "", "KiB per worker", logy=True)
        p.bars(a, [(STYLE[b][0], b, f) for b, f in mem.items()])
        a["extra"] = a["extra"].replace("set yrange [0:*]", "set yrange [1:*]")
    elif kind == "claim5":
        _, cr = c.figure
        a = p.panel("creating one worker: create call to running", "workers created", "microseconds", logx=True, logy=True)
        for b, d in cr.items():
            p.series(a, b, STYLE[b][0], sorted(d.items()))
    elif kind == "claim6":
        _, sp, models, ws = c.figure
        a = p.panel("measured speedup (serial baseline in the same repetitions)", "workers", "speedup", logx=False)
        for (b, v), d in sorted(sp.items(), key=lambda kv: (BACKENDS.index(kv[0][0]), SCHEDULES.index(kv[0][1]))):
            dt = {"static": 1, "cyclic": 2, "dynamic": 3, "guided": 4}[v]
            p.series(a, b, f"{b} {v}", sorted(d.items()), dash=dt)
        if ws:
            p.line(a, "ideal", [(w, w) for w in sorted(set(ws) | {1})])
            a["extra"] += f"set xrange [0.8:{max(ws) + 0.2}]; set xtics 1\n"
        m = p.panel("model: Amdahl's law fitted to the measured points", "cores", "speedup", logx=True, logy=True)
        wmax = max(ws) if ws else 1
        for b, (v, fr, kf) in models.items():
            pts = [(q, 1 / (fr + (1 - fr) / q)) for q in (1, 2, 4, 8, 16, 32, 64)]
            if wmax < 64:
                p.line(m, f"model {b} ({v}, f={fmt(fr)})", pts, col=STYLE[b][2], dt=2)
            meas = sp.get((b, v), {})
            p.series(m, b, f"measured {b} {v}", sorted(meas.items()))
        p.line(m, "ideal", [(q, q) for q in (1, 64)])
    elif kind in ("claim7", "claim11"):
        _, res, variant = c.figure
        a = p.panel(f"errors --variant {variant}: 11 other tasks; what survived", "", "results kept (of 11)")
        p.bars(a, [(f"{STYLE[b][0]}", b, f) for b, (recs, f) in res.items() if recs is not None])
        a["extra"] += "set yrange [0:12]\n"
    elif kind == "claim8":
        _, res = c.figure
        a = p.panel("pool (start-up and tear-down in) against a worker per item", "", "milliseconds", logy=True)
        items = []
        for (b, s), (w, po, sp) in sorted(res.items(), key=lambda kv: (kv[0][1], BACKENDS.index(kv[0][0]))):
            items.append((f"{b} {int(s)}: pool", b, po))
            items.append((f"{b} {int(s)}: per item", b, sp))
        p.bars(a, items)
        a["extra"] = a["extra"].replace("set yrange [0:*]", "")
    elif kind == "claim9":
        _, curves = c.figure
        for s in sorted({s for _, s in curves}):
            a = p.panel(f"{int(s)} items: start-up + work + tear-down", "pool size", "milliseconds", logx=True)
            for (b, ss), cv in curves.items():
                if ss == s:
                    p.series(a, b, STYLE[b][0], sorted(cv.items()))
    elif kind == "claim10":
        _, lost, ws = c.figure
        a = p.panel("no lock: updates lost (the most in a repetition, exact)", "workers", "updates lost", logx=True)
        bpan = p.panel("with a lock, an atomic or private sums: rounds with a loss", "workers", "rounds with an update lost", logx=True)
        for (b, v), d in lost.items():
            pts = [(w, f) for w, f in sorted(d.items()) if w >= 2]
            if v == "none":
                p.series(a, b, f"{b} none", pts)
            else:
                p.series(bpan, b, f"{b} {v}", pts, dash={"lock": 1, "atomic": 2, "local": 3}[v])
        bpan["extra"] += "set yrange [-0.1:1.1]\n"
    return p.render(gnuplot)


def slug(s):
    return "".join(ch if ch.isalnum() else "-" for ch in s).strip("-") or "host"


# ---- the page ---------------------------------------------------------------------------------
def provenance(recs):
    def vals(k):
        return sorted({r.get(k, "") for r in recs if r.get(k, "")})
    times = vals("time_utc")
    loads = [r["_load_start"] for r in recs if r["_load_start"] is not None]
    loaded = sum(1 for r in recs if r["_loaded"] == 1)
    cmds = vals("command")
    return {
        "records": len(recs),
        "files": vals("file"),
        "revisions": vals("git"),
        "dates": (times[0], times[-1]) if times else ("", ""),
        "commands": cmds,
        "compilers": vals("compiler"),
        "mpi": vals("mpi"),
        "cpu": vals("cpu_model"),
        "topology": vals("topology"),
        "load": (min(loads), max(loads)) if loads else None,
        "loaded": loaded,
    }


def summary_text(sections):
    out = []
    for h, cl, prov in sections:
        out.append(f"{h.name}: {host_cores(h)}, {prov['records']} records, revisions {', '.join(prov['revisions']) or '-'}, {prov['dates'][0]} .. {prov['dates'][1]}")
        if prov["loaded"]:
            out.append(f"  note: {prov['loaded']} of {prov['records']} records say loaded=1 (a load average above the cores when they were measured; the suite's own runs of the minute before count in it)")
        for c in cl:
            out.append(f"{c.n:3d}. {c.verdict:<12} {c.text}")
            for t in c.tests:
                out.append(f"       {t.line()}")
        out.append("")
    return "\n".join(out)


def write_pages(sections, outdir, figs, argv_files):
    md, ht = [], []
    md.append("# What the numbers say: the seeds' claims, tested\n")
    md.append(f"Made by `tools/report.py` from {', '.join('`' + f + '`' for f in argv_files)}. "
              "Each claim has a stated test; the verdict is computed from it: *backed* when the whole interval "
              "lies on the claim's side of the threshold, *refuted* when it lies on the other side, "
              "*inconclusive* when it straddles it or fewer than 3 rounds were measured, *suspect* when too few "
              "rounds are left once the records flagged suspect are left out. Intervals: from the lowest round's "
              "figure to the highest. The report measures C unless it says Python.\n")
    ht.append('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"/>'
              "<title>tvp: the seeds' claims, tested</title>"
              '<meta name="viewport" content="width=device-width, initial-scale=1"/>'
              "<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}"
              "h1{font-size:1.6em}h2{border-bottom:2px solid #ccc;padding-bottom:.2em;margin-top:2em}"
              "table{border-collapse:collapse;margin:1em 0}td:first-child{min-width:14em}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}"
              ".backed{background:#d8f0d8}.refuted{background:#f6d5d0}.inconclusive{background:#eee}.suspect{background:#fbe7b5}"
              ".claim{margin:2em 0;padding:1em;border:1px solid #ddd;border-radius:6px}"
              "code,pre{background:#f5f5f5;font-size:.9em}pre{padding:.5em;white-space:pre-wrap}"
              "img{max-width:100%;border:1px solid #eee}.v{font-weight:bold;padding:.1em .5em;border-radius:4px}"
              "</style></head><body>")
    ht.append("<h1>What the numbers say: the seeds' claims, tested</h1>")
    ht.append("<p>" + html.escape(md[1].strip()).replace("*", "") + "</p>")
    for h, cl, prov in sections:
        md.append(f"## {h.name}: {host_cores(h)}\n")
        ht.append(f'<h2 id="{slug(h.name)}">{html.escape(h.name)}: {html.escape(host_cores(h))}</h2>')
        rows = [("records", f"{prov['records']} from {len(prov['files'])} file(s): {', '.join(prov['files'])}"),
                ("revisions", ", ".join(prov["revisions"]) or "-"),
                ("dates (UTC)", f"{prov['dates'][0]} .. {prov['dates'][1]}"),
                ("machine", "; ".join(prov["cpu"] + prov["topology"])),
                ("compilers, MPI", "; ".join(prov["compilers"] + prov["mpi"])),
                ("load average at start", f"{fmt(prov['load'][0])} .. {fmt(prov['load'][1])}" if prov["load"] else "-"),
                ("busy-machine records", f"{prov['loaded']} of {prov['records']} say loaded=1" + (" (a load average above the cores: the suite's own runs of the minute before count in it)" if prov["loaded"] else "")),
                ("commands", f"{len(prov['commands'])} distinct (listed at the end)")]
        md.append("| | |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in rows) + "\n")
        ht.append("<table>" + "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows) + "</table>")
        if h.cores and h.cores <= 2:
            note = (f"This host has {h.cores} cores: scaling past {h.cores} workers is not measured here, only modelled "
                    "(claim 6's dashed lines); a cluster sweep (jobs/submit-sweep) measures it.")
            md.append(f"> {note}\n")
            ht.append(f"<p><em>{html.escape(note)}</em></p>")
        md.append("| claim | verdict | tests |\n|---|---|---|")
        ht.append("<table><tr><th>claim</th><th>verdict</th><th>tests</th></tr>")
        for c in cl:
            tests = "; ".join(t.line() for t in c.tests) or "no test: its experiment is not in the records"
            md.append(f"| [{c.n}. {c.text}](#{slug(h.name)}-claim-{c.n}) | **{c.verdict}** | {tests.replace('|', '/')} |")
            ht.append(f'<tr><td><a href="#{slug(h.name)}-claim-{c.n}">{c.n}. {html.escape(c.text)}</a></td>'
                      f'<td class="{c.verdict}"><b>{c.verdict}</b></td><td>{html.escape(tests)}</td></tr>')
        md.append("")
        ht.append("</table>")
        for c in cl:
            anchor = f"{slug(h.name)}-claim-{c.n}"
            md.append(f'<a id="{anchor}"></a>\n\n### {c.n}. {c.text}: {c.verdict}\n')
            ht.append(f'<div class="claim" id="{anchor}"><h3>{c.n}. {html.escape(c.text)}: '
                      f'<span class="v {c.verdict}">{c.verdict}</span></h3>')
            md.append(f"Measured in {c.scope}.\n")
            ht.append(f"<p>Measured in {html.escape(c.scope)}.</p>")
            for t in c.tests:
                md.append(f"- {t.line()}")
            ht.append("<ul>" + "".join(f"<li><code>{html.escape(t.line())}</code></li>" for t in c.tests) + "</ul>")
            if not c.tests:
                md.append("- no test: its experiment is not in these records (`make evidence` runs it)")
                ht.append("<p>No test: its experiment is not in these records (<code>make evidence</code> runs it).</p>")
            if c.meaning.get(c.verdict):
                md.append(f"\n{c.meaning[c.verdict]}\n")
                ht.append(f"<p>{html.escape(c.meaning[c.verdict])}</p>")
            if c.lines:
                md.append("```\n" + "\n".join(c.lines) + "\n```\n")
                ht.append("<pre>" + html.escape("\n".join(c.lines)) + "</pre>")
            f = figs.get((h.name, c.n))
            if f:
                md.append(f"![claim {c.n}]({f})\n")
                ht.append(f'<p><img src="{html.escape(f)}" alt="claim {c.n}: {html.escape(c.text)}"/></p>')
            ht.append("</div>")
        md.append("<details><summary>commands</summary>\n\n```\n" + "\n".join(prov["commands"]) + "\n```\n</details>\n")
        ht.append("<details><summary>commands</summary><pre>" + html.escape("\n".join(prov["commands"])) + "</pre></details>")
    ht.append("</body></html>")
    with open(os.path.join(outdir, "report.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    with open(os.path.join(outdir, "index.html"), "w") as f:
        f.write("\n".join(ht) + "\n")


def main(argv=None):
    ap = argparse.ArgumentParser(prog="report.py", description="the seeds' claims, tested on the suite's records")
    ap.add_argument("files", nargs="+", metavar="RECORDS")
    ap.add_argument("-o", "--out", default="build/report", help="where index.html, report.md and figures/ go")
    ap.add_argument("--no-figures", action="store_true", help="text and pages only, no gnuplot")
    a = ap.parse_args(argv)
    recs = []
    for path in a.files:
        if not os.path.isfile(path):
            print(f"report: no such file: {path} (make evidence or make run writes records)", file=sys.stderr)
            return 2
        try:
            recs.extend(read_records(path))
        except (ValueError, UnicodeError) as e:
            print(f"report: {e}", file=sys.stderr)
            return 1
    recs = [r for r in recs if r.get("exercise")]
    if not recs:
        print(f"report: no records in {', '.join(a.files)}", file=sys.stderr)
        return 1
    hosts = {}
    for r in recs:
        hosts.setdefault(r.get("host") or "unknown host", []).append(r)
    gnuplot = None if a.no_figures else shutil.which("gnuplot")
    if not a.no_figures and not gnuplot:
        print("report: gnuplot not found: the pages come without figures (make deps installs it)", file=sys.stderr)
    os.makedirs(os.path.join(a.out, "figures"), exist_ok=True)
    os.makedirs(os.path.join(a.out, "data"), exist_ok=True)
    sections, figs = [], {}
    for name in sorted(hosts):
        h = Host(name, hosts[name])
        cl = claims(h)
        if gnuplot:
            for c in cl:
                if c.verdict == "not measured":
                    continue
                f = draw(c, h, a.out, gnuplot)
                if f:
                    figs[(name, c.n)] = f
        sections.append((h, cl, provenance(hosts[name])))
    write_pages(sections, a.out, figs, a.files)
    print(f"report: {len(recs)} records from {', '.join(a.files)}")
    print(summary_text(sections))
    print(f"report: {os.path.join(a.out, 'index.html')} and {os.path.join(a.out, 'report.md')} ({len(figs)} figures)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
