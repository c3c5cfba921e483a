#!/usr/bin/env python3
"""test_report.py: tools/report.py on the golden records of tests/report/.

  alpha.csv            one host (2 cores), 3 rounds: a backed, a refuted, an inconclusive
                       and a suspect claim, an n/a record
  sweep-w1.csv, sweep-w2-w4.jsonl, sweep-w8.csv
                       a sweep: sumsquares at one W per element (W = 1, 2, 4, 8), the
                       records of two hosts (node1: 64 cores, node2: 32) in each file,
                       CSV and JSON lines

Checks the verdicts, the tests printed with them, one section per host with its own core
count, the page (well-formed, every figure it shows present, error bars and the core
count in the figures) and bad input. Run by tests/run-tests.sh (make test)."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
GOLD = os.path.join(HERE, "report")
sys.path.insert(0, os.path.join(ROOT, "tools"))
import report  # noqa: E402

ALL = [os.path.join(GOLD, f) for f in ("alpha.csv", "sweep-w1.csv", "sweep-w2-w4.jsonl", "sweep-w8.csv")]


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def run_report(files, *extra):
    out = tempfile.mkdtemp(prefix="tvp-report-")
    p = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "report.py"), "-o", out, *extra, *files],
                       capture_output=True, text=True, timeout=120)
    return p, out


def verdicts(text):
    """{host: {claim: verdict}} from the text summary."""
    out, host = {}, None
    for line in text.splitlines():
        m = re.match(r"^(\S+): (\d+) cores", line)
        if m:
            host = m.group(1)
            out[host] = {"cores": int(m.group(2))}
            continue
        m = re.match(r"^\s*(\d+)\. (backed|refuted|inconclusive|suspect|not measured)\s", line)
        if m and host:
            out[host][int(m.group(1))] = m.group(2)
    return out


class Golden(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.proc, cls.out = run_report(ALL)
        cls.v = verdicts(cls.proc.stdout)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.out, ignore_errors=True)

    def test_exit_and_summary(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)
        self.assertIn("index.html", self.proc.stdout)

    def test_all_four_verdicts(self):
        a = self.v["alpha"]
        self.assertEqual(a[3], "backed")        # pinned hand-off: processes 2x threads
        self.assertEqual(a[6], "refuted")       # the same efficiency
        self.assertEqual(a[8], "inconclusive")  # 1.5x, interval straddling 1.5
        self.assertEqual(a[1], "suspect")       # two of three rounds flagged
        self.assertEqual(a[9], "backed")        # 20 / 10.2 / 10.4 / 17.8 ms
        self.assertEqual(a[10], "backed")       # lost updates without a lock, none with
        self.assertEqual((a[4], a[5]), ("backed", "backed"))
        self.assertEqual((a[7], a[11]), ("backed", "backed"))
        self.assertEqual(a[2], "not measured")  # no ipc bandwidth records

    def test_every_verdict_prints_its_test(self):
        for line in self.proc.stdout.splitlines():
            m = re.match(r"^\s*(\d+)\. (backed|refuted|inconclusive|suspect)\s", line)
            if m:
                i = self.proc.stdout.splitlines().index(line)
                self.assertRegex(self.proc.stdout.splitlines()[i + 1], r"^\s+test: .* (>=|<=) .* -> ", line)
        self.assertIn("test: processes' (procs) / threads' (pthreads) efficiency at W = 2, static >= 1.25: 1.00", self.proc.stdout)
        self.assertIn("-> inconclusive (interval straddles the threshold)", self.proc.stdout)

    def test_one_section_per_host_with_its_cores(self):
        self.assertEqual(sorted(self.v), ["alpha", "node1", "node2"])
        self.assertEqual(self.v["alpha"]["cores"], 2)
        self.assertEqual(self.v["node1"]["cores"], 64)
        self.assertEqual(self.v["node2"]["cores"], 32)
        # the sweep's hosts are read at W = 8, their largest W under their cores, not 2
        self.assertIn("efficiency at W = 8, cyclic", self.proc.stdout)
        self.assertEqual(self.v["node1"][6], "refuted")
        self.assertEqual(self.v["node1"][10], "not measured")  # no mixing with alpha's races

    def test_sweep_across_every_w(self):
        md = read(os.path.join(self.out, "report.md"))
        node1 = md[md.index("## node1"):md.index("## node2")]
        self.assertRegex(node1, r"pthreads \(threads\) cyclic: speedup W=1: .*, W=2: .*, W=4: .*, W=8: ")
        # 0.97 efficiency at every W: speedup 0.97 W
        self.assertIn("W=8: 7.76", node1)

    def test_page_well_formed_and_complete(self):
        page = read(os.path.join(self.out, "index.html"))
        ET.fromstring(page[page.index("<html"):])  # well-formed (raises otherwise)
        imgs = re.findall(r'<img src="([^"]+)"', page)
        for src in imgs:
            self.assertTrue(os.path.isfile(os.path.join(self.out, src)), src)
        md = read(os.path.join(self.out, "report.md"))
        for src in re.findall(r"!\[[^]]*\]\(([^)]+)\)", md):
            self.assertTrue(os.path.isfile(os.path.join(self.out, src)), src)
        if shutil.which("gnuplot"):
            # a figure for every measured claim of alpha, each with error bars
            alpha = [s for s in imgs if os.path.basename(s).startswith("alpha-")]
            measured = [n for n, v in self.v["alpha"].items() if n != "cores" and v != "not measured"]
            self.assertEqual(len(alpha), len(measured), alpha)
            for s in alpha:
                gp = os.path.join(self.out, "data", os.path.basename(s)[:-4] + ".gp")
                self.assertRegex(read(gp), r"yerror(lines|bars)", gp)
                self.assertIn("2 cores", read(os.path.join(self.out, s)), s)
            # the model to 64 cores on a host that measured only up to 8
            self.assertIn("model", read(os.path.join(self.out, "data", "node1-claim6.gp")))
            for s in imgs:
                ET.parse(os.path.join(self.out, s))


class Units(unittest.TestCase):
    def test_amdahl_recovers_the_serial_fraction(self):
        f = 0.1
        pts = [(p, 1 / (f + (1 - f) / p)) for p in (1, 2, 4, 8)]
        fr, kf = report.amdahl(pts)
        self.assertAlmostEqual(fr, 0.1, places=6)
        for p, e in kf.items():
            self.assertAlmostEqual(e, 0.1, places=6)

    def test_threshold_tests(self):
        F = report.Fig
        self.assertEqual(report.Test("x", F([2, 2.1, 2.2]), ">=", 1.5).verdict, "backed")
        self.assertEqual(report.Test("x", F([1, 1.1, 1.2]), ">=", 1.5).verdict, "refuted")
        self.assertEqual(report.Test("x", F([1.4, 1.5, 1.6]), ">=", 1.5).verdict, "inconclusive")
        self.assertEqual(report.Test("x", F([2, 2.1]), ">=", 1.5).verdict, "inconclusive")  # 2 rounds
        self.assertEqual(report.Test("x", F([0, 0, 0]), "<=", 0).verdict, "backed")
        self.assertEqual(report.Test("x", F([0, 1, 0]), "<=", 0).verdict, "inconclusive")
        self.assertEqual(report.Test("x", F([1, 1, 1]), "<=", 0).verdict, "refuted")
        self.assertEqual(report.Test("x", F([2], suspect=2, why="w"), ">=", 1.5).verdict, "suspect")

    def test_ratio_interval(self):
        a, b = report.Fig([10], [8], [12]), report.Fig([5], [4], [6])
        r = a.ratio(b)
        self.assertAlmostEqual(r.value, 2)
        self.assertAlmostEqual(r.lo, 8 / 6)
        self.assertAlmostEqual(r.hi, 12 / 4)

    def test_note_parsing(self):
        n = report.parse_note("failed_task=5 reason='bad value' done=11 via=a forked sandbox lock=free")
        self.assertEqual(n, {"failed_task": "5", "reason": "bad value", "done": "11",
                             "via": "a forked sandbox", "lock": "free"})


class BadInput(unittest.TestCase):
    def test_missing_file(self):
        p, out = run_report(["/nonexistent/records.csv"])
        shutil.rmtree(out, ignore_errors=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn("no such file", p.stderr)

    def bad_file(self, suffix, content):
        with tempfile.NamedTemporaryFile("w", suffix=suffix, delete=False) as f:
            f.write(content)
        p, out = run_report([f.name])
        os.unlink(f.name)
        shutil.rmtree(out, ignore_errors=True)
        return p

    def test_not_records(self):
        p = self.bad_file(".csv", "hello,world\n1,2\n")
        self.assertEqual(p.returncode, 1)
        self.assertIn("no CSV header", p.stderr)

    def test_bad_json(self):
        p = self.bad_file(".jsonl", '{"exercise": "race"}\n{oops\n')
        self.assertEqual(p.returncode, 1)
        self.assertIn(":2: not a JSON record", p.stderr)


if __name__ == "__main__":
    r = unittest.main(exit=False, verbosity=1).result
    failed = len(r.failures) + len(r.errors)
    print(f"test_report: {r.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
