"""Unit tests of bench/report.py on the fixture run in bench/testdata/run (trimmed fio JSON
with known numbers, /proc/stat samples, strace and perf output).

    python3 -m unittest discover -s bench -p 'test_*.py'
"""

import contextlib
import io
import shutil
import tempfile
import unittest
from pathlib import Path

import report

FIXTURE = Path(__file__).resolve().parent / "testdata" / "run"
RUNS = FIXTURE / "host" / "runs"


METRICS = {"rr4k-qd32": "iops", "rw4k-qd32": "iops", "sr1m-qd8": "mbps", "fs-seqread": "mbps",
           "fs-meta": "files"}


def runs_of(name):
    """{(workload, rep): Run} of one fixture file, and what report.py said on stderr."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        runs = report.parse_run_file(RUNS / name, METRICS)
    return {(w, rep): run for _t, w, rep, run in runs}, err.getvalue()


class ParseRunTest(unittest.TestCase):

    def test_iops_latency_and_cpu_less_the_background(self):
        runs, _ = runs_of("loop-raw--raw--1.json")
        run = runs["rr4k-qd32", 1]
        self.assertAlmostEqual(run.throughput, 100000)
        self.assertAlmostEqual(run.lat_mean_us, 25.0)
        self.assertAlmostEqual(run.lat_p99_us, 100.0)
        # Window: 600 ticks in 4 s = 1.5 CPUs; background: 15 ticks in 0.5 s = 0.3 CPUs.
        self.assertAlmostEqual(run.background_cores, 0.3)
        self.assertAlmostEqual(run.cpu_us_per_io, 1.2 / 100000 * 1e6)
        self.assertAlmostEqual(run.usr_us_per_io, (1.0 - 0.2) / 100000 * 1e6)
        self.assertAlmostEqual(run.sys_us_per_io, (0.5 - 0.1) / 100000 * 1e6)

    def test_window_from_first_start_to_last_end_irq_and_softirq_count_as_sys(self):
        runs, _ = runs_of("libfuse--raw--1.json")
        run = runs["rr4k-qd32", 1]
        # 1 s: user+nice 100 ticks, system+irq+softirq 50 ticks; steal is not the system's work.
        self.assertIsNone(run.background_cores)
        self.assertAlmostEqual(run.usr_us_per_io, 1.0 / 50000 * 1e6)
        self.assertAlmostEqual(run.sys_us_per_io, 0.5 / 50000 * 1e6)

    def test_text_before_the_json_document_is_skipped(self):
        self.assertTrue((RUNS / "libfuse--raw--1.json").read_text().startswith("fio: note"))
        runs, _ = runs_of("libfuse--raw--1.json")
        self.assertAlmostEqual(runs["rr4k-qd32", 1].throughput, 50000)
        self.assertIsNone(runs["sr1m-qd8", 1].cpu_us_per_io)  # no samples for it

    def test_bandwidth_in_decimal_megabytes(self):
        runs, _ = runs_of("loop-raw--raw--1.json")
        self.assertAlmostEqual(runs["sr1m-qd8", 1].throughput, 4000.0)

    def test_metadata_cycle(self):
        runs, _ = runs_of("loop-raw--fs-meta--1.json")
        run = runs["fs-meta", 1]
        # 1000 files through 500 + 20 + 480 ms of jobs.
        self.assertAlmostEqual(run.throughput, 1000.0)
        self.assertAlmostEqual(run.lat_mean_us, 1000.0)
        self.assertAlmostEqual(run.lat_p99_us, 900.0)  # the fsync's

    def test_a_job_without_io_is_skipped_and_named(self):
        runs, err = runs_of("java-pt-fuse--raw--2.json")
        self.assertEqual(sorted(runs), [("rr4k-qd32", 2), ("sr1m-qd8", 2)])
        self.assertIn("skipping rw4k-qd32", err)
        self.assertIn("no I/O was done", err)

    def test_a_file_that_is_not_fio_json_is_skipped_and_named(self):
        runs, err = runs_of("java-pt-fuse--fs--1.json")
        self.assertEqual(runs, {})
        self.assertIn("java-pt-fuse--fs--1.json", err)


class FormatTest(unittest.TestCase):

    def test_ratios_below_a_tenth_keep_three_decimals(self):
        self.assertEqual(report.fmt_ratio(0.5263), "0.53")
        self.assertEqual(report.fmt_ratio(0.01234), "0.012")
        self.assertEqual(report.fmt_ratio(None), "n/a")
        self.assertEqual(report.fmt_ratio(float("nan")), "n/a")


class StraceTest(unittest.TestCase):

    def test_counts_per_syscall_and_total(self):
        calls = report.parse_strace_counts((FIXTURE / "host" / "evidence" / "libfuse.strace").read_text())
        self.assertEqual(calls, {"read": 100000, "writev": 100000, "pread64": 100000, "futex": 1000,
                                 "total": 301000})


class WriteReportTest(unittest.TestCase):

    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp())
        self.run_dir = self.tmp / "20260101T000000Z"
        shutil.copytree(FIXTURE, self.run_dir)
        with contextlib.redirect_stderr(io.StringIO()) as self.stderr:
            report.write_report(self.run_dir)
        self.summary = (self.run_dir / "summary.md").read_text()

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def row(self, table_heading, target):
        section = self.summary.split(table_heading, 1)[1].split("####", 1)[0]
        for line in section.splitlines():
            if line.startswith(f"| {target} |"):
                return [c.strip() for c in line.strip("|").split("|")]
        self.fail(f"no row for {target} under {table_heading}")

    def test_every_run_its_mean_and_the_ratios(self):
        raw = self.row("(`rr4k-qd32`)", "loop-raw")
        self.assertEqual(raw[1:3], ["100,000 / 90,000", "95,000"])
        java = self.row("(`rr4k-qd32`)", "java-pt-fuse")
        self.assertEqual(java[1:5], ["60,000 / 40,000", "50,000", "60.0", "240"])
        self.assertEqual(java[-2:], ["0.53", "1.00"])  # × raw (50k / 95k), × libfuse
        libfuse = self.row("(`rr4k-qd32`)", "libfuse")
        self.assertEqual(libfuse[-2:], ["0.53", "1.00"])
        self.assertEqual(self.row("(`sr1m-qd8`)", "java-pt-fuse")[-2:], ["0.38", "1.50"])

    def test_overview(self):
        section = self.summary.split("### Overview: mean throughput (× the raw device)", 1)[1].split("###", 1)[0]
        self.assertIn("| workload | unit | loop-raw | libfuse | java-pt-fuse |", section)
        self.assertIn("| `rr4k-qd32` | IOPS | 95,000 | 50,000 (0.53) | 50,000 (0.53) |", section)
        self.assertIn("| `sr1m-qd8` | MB/s | 4,000 | 1,000 (0.25) | 1,500 (0.38) |", section)
        self.assertNotIn("rw4k-qd32", section)

    def test_cpu_column(self):
        # Only the first run was sampled: 1.2 CPUs / 100,000 IOPS = 12 µs per I/O.
        self.assertEqual(self.row("(`rr4k-qd32`)", "loop-raw")[5], "12.0 (8.00+4.00)")
        self.assertEqual(self.row("(`rr4k-qd32`)", "java-pt-fuse")[5], "n/a")
        self.assertIn("0.30 CPUs busy on average", self.summary)
        self.assertNotIn("not reliable", self.summary)

    def test_cpu_figures_of_a_busy_machine_are_flagged(self):
        cpu = self.run_dir / "host" / "runs" / "loop-raw--rr4k-qd32--1.cpu"
        # Background 1.5 CPUs (75 ticks in 0.5 s), run window 1.5 CPUs as before.
        cpu.write_text(cpu.read_text().replace("bg 1000500000000 cpu 1010 0 505", "bg 1000500000000 cpu 1050 0 525"))
        with contextlib.redirect_stderr(io.StringIO()):
            report.write_report(self.run_dir)
        summary = (self.run_dir / "summary.md").read_text()
        self.assertIn("1.50 CPUs busy on average", summary)
        self.assertIn("**With that much other work (1.50 CPUs) the CPU per I/O figures of this stage are "
                      "not reliable**", summary)

    def test_goals(self):
        self.assertRegex(self.summary, r"\| `java-pt-fuse` ≥ 1\.00 × `libfuse` \| \*\*met\*\* \| rr4k-qd32 1\.00 \|")
        self.assertIn("| `java-ram-fuse` ≥ 0.70 × `loop-raw` | not measured (`java-ram-fuse` unavailable)",
                      self.summary)

    def test_unavailable_target_and_broken_runs_are_named(self):
        self.assertIn("`java-ram-fuse`: Java RamDiskDriver over fuse-loop: **not measured**: "
                      "bdus serve did not print READY", self.summary)
        self.assertIn("java-pt-fuse--fs--1.json", self.stderr.getvalue())
        self.assertNotIn("(`rw4k-qd32`)", self.summary)
        self.assertNotIn("(`fs-seqread`)", self.summary)

    def test_evidence_per_io(self):
        row = [c.strip() for c in next(line for line in self.summary.splitlines()
                                       if line.startswith("| libfuse | 1.50")).strip("|").split("|")]
        # 150,000 switches and 1,200 migrations over 100,000 I/Os; 301,000 syscalls.
        self.assertEqual(row, ["libfuse", "1.50", "0.012", "3.01", "read 1.00, writev 1.00, pread64 1.00"])

    def test_chart_data(self):
        rel = (self.run_dir / "charts" / "host-relative.dat").read_text().splitlines()
        self.assertEqual(rel[0], "workload loop-raw libfuse java-pt-fuse")
        self.assertEqual(rel[1:], ["rr4k-qd32 1.0000 0.5263 0.5263", "sr1m-qd8 1.0000 0.2500 0.3750",
                                   "fs-meta 1.0000 1.0000 1.0000"])
        p99 = (self.run_dir / "charts" / "host-p99.dat").read_text().splitlines()
        self.assertEqual(p99[1:], ["rr4k-qd32 104.00 244.00 240.00", "sr1m-qd8 6000.00 6000.00 6000.00",
                                   "fs-meta 900.00 900.00 900.00"])


class LogLinesTest(unittest.TestCase):

    def test_one_line_per_workload(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rc = report.main(["--log-lines", str(FIXTURE / "host"), str(RUNS / "loop-raw--raw--1.json")])
        self.assertEqual(rc, 0)
        self.assertEqual(out.getvalue().splitlines(), [
            "rr4k-qd32: 100,000 IOPS, lat 25.0 µs (p99 100), 12.0 µs CPU/IO",
            "    sr1m-qd8: 4,000 MB/s, lat 2,000 µs (p99 6,000), CPU n/a"])

    def test_a_failed_run(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            rc = report.main(["--log-lines", str(FIXTURE / "host"), str(RUNS / "java-pt-fuse--fs--1.json")])
        self.assertEqual(rc, 1)
        self.assertTrue(out.getvalue().startswith("FAILED"))


if __name__ == "__main__":
    unittest.main()
