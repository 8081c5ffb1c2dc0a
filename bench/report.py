#!/usr/bin/env python3
"""Turns a benchmark run (fio JSON, /proc/stat samples, strace and perf output) into
summary.md and the data files of the charts. Python 3 standard library only.

    bench/report.py RESULTS_DIR            writes RESULTS_DIR/summary.md and
                                           RESULTS_DIR/charts/<stage>-{relative,p99}.dat
    bench/report.py --log-lines STAGE_DIR JSON
                                           one line per workload of one fio run (the log)

A stage directory (RESULTS_DIR/host, RESULTS_DIR/vm) holds targets.tsv (name, role, kind,
label, device), unavailable.tsv (name, role, kind, label, reason), workloads.tsv (name,
group, metric, label), versions.txt, runs/<target>--<group>--<rep>.json (one fio run of a
group's workloads), runs/<target>--fs-meta--<rep>.json, runs/<target>--<workload>--<rep>.cpu
and evidence/<target>.{perf,perf.json,strace,strace.json}.
"""

import argparse
import json
import os
import re
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

STAGES = (("host", "Host (real CPU)"), ("vm", "VM (QEMU/TCG)"))
METRIC_UNITS = {"iops": "IOPS", "mbps": "MB/s", "files": "files/s"}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
# Mean CPUs busy with other work above which a stage's CPU figures are flagged as unreliable.
BUSY_MACHINE = 0.5

# The targets of the project, per stage: (target, baseline, minimum ratio, workload group
# or names). A goal is met when the target's mean throughput is at least the minimum ratio
# of the baseline's on every workload it names that both were measured on.
GOALS = {
    "host": [
        ("java-pt-fuse", "libfuse", 1.0, "all"),
        ("java-ram-fuse", "loop-raw", 0.7, ("rr4k-qd32", "rw4k-qd32")),
    ],
    "vm": [
        ("java-ram-kbdus", "c-ram-kbdus", 0.8, "raw"),
        ("java-ram-kbdus", "nbdkit-memory", 1.43, "raw"),
        ("java-pt-kbdus", "nbdkit-file", 1.43, "raw"),
    ],
}


@dataclass
class Run:
    """One fio run on one target: throughput in its workload's metric, latencies in µs,
    whole-system CPU per I/O in µs (None when not sampled)."""

    throughput: float
    lat_mean_us: float
    lat_p99_us: float
    cpu_us_per_io: float | None = None
    usr_us_per_io: float | None = None
    sys_us_per_io: float | None = None
    ios: int = 0
    background_cores: float | None = None


@dataclass
class Target:
    name: str
    role: str
    kind: str
    label: str
    device: str


@dataclass
class Stage:
    key: str
    title: str
    targets: list
    unavailable: list
    workloads: list  # (name, group, metric, label)
    runs: dict = field(default_factory=dict)  # (workload, target) -> [Run]
    versions: list = field(default_factory=list)
    evidence: dict = field(default_factory=dict)  # target -> dict


def load_fio_json(path):
    """fio output, tolerating lines that fio prints before the JSON document."""
    text = Path(path).read_text()
    start = text.find("{")
    if start < 0:
        raise ValueError(f"{path}: no JSON document")
    return json.loads(text[start:])


def directions(job):
    """The directions of a job that did I/O (read, write, trim, or mixed)."""
    return [job[d] for d in ("read", "write", "trim", "mixed") if d in job and job[d].get("total_ios", 0) > 0]


def percentile_us(lat, pct="99.000000"):
    for key in ("lat_ns", "clat_ns"):
        p = lat.get(key, {}).get("percentile")
        if p and pct in p:
            return p[pct] / 1000.0
    return float("nan")


def cpu_samples(path):
    """{tag: [(seconds, usr_ticks, sys_ticks)]} from lines '<tag> <ns> cpu user nice system
    idle iowait irq softirq steal ...' (the whole system, all CPUs); tags are bg, start, end
    (see bench/cpu-sample.sh)."""
    samples = {}
    if not path or not Path(path).exists():
        return samples
    for line in Path(path).read_text().splitlines():
        parts = line.split()
        if len(parts) < 10 or parts[2] != "cpu":
            continue
        user, nice, system, _idle, _iowait, irq, softirq = (int(x) for x in parts[3:10])
        samples.setdefault(parts[0], []).append((int(parts[1]) / 1e9, user + nice, system + irq + softirq))
    return samples


@dataclass
class CpuUse:
    """CPU-seconds per wall second (cores kept busy) in the measured window, less what the
    machine did besides the benchmark in the background window before it."""

    usr: float
    sys: float
    wall: float
    background: float | None

    @property
    def busy(self):
        return self.usr + self.sys


def _rate(a, b):
    wall = b[0] - a[0]
    return (b[1] - a[1]) / CLOCK_TICKS / wall, (b[2] - a[2]) / CLOCK_TICKS / wall, wall


def cpu_use(path):
    """CpuUse over the window from the first start sample to the last end sample, less the
    rate of the two bg samples when there are; None without a usable window."""
    s = cpu_samples(path)
    if not s.get("start") or not s.get("end") or s["end"][-1][0] <= s["start"][0][0]:
        return None
    usr, sys_, wall = _rate(s["start"][0], s["end"][-1])
    bg = s.get("bg", [])
    if len(bg) < 2 or bg[1][0] <= bg[0][0]:
        return CpuUse(usr, sys_, wall, None)
    bg_usr, bg_sys, _ = _rate(bg[0], bg[1])
    return CpuUse(max(usr - bg_usr, 0.0), max(sys_ - bg_sys, 0.0), wall, bg_usr + bg_sys)


def parse_job(job, cpu_path, metric):
    """One Run from one job (one reporting group) of fio's JSON and its CPU samples."""
    dirs = directions(job)
    if not dirs:
        raise ValueError(f"job {job.get('jobname')}: no I/O was done")
    iops = sum(d["iops"] for d in dirs)
    bw = sum(d["bw_bytes"] for d in dirs)
    ios = sum(d["total_ios"] for d in dirs)
    lat_mean = sum(d["lat_ns"]["mean"] * d["total_ios"] for d in dirs) / ios / 1000.0
    p99 = max(percentile_us(d) for d in dirs)
    throughput = bw / 1e6 if metric == "mbps" else iops
    run = Run(throughput, lat_mean, p99, ios=ios)
    cpu = cpu_use(cpu_path)
    if cpu and iops > 0:
        run.cpu_us_per_io = cpu.busy / iops * 1e6
        run.usr_us_per_io = cpu.usr / iops * 1e6
        run.sys_us_per_io = cpu.sys / iops * 1e6
        run.background_cores = cpu.background
    return run


def parse_meta_run(jobs, cpu_path):
    """The metadata workload: per file, create + 4 KiB write + fsync, then stat, then
    delete. Throughput: files per second through the whole cycle; mean latency: the cycle
    time of one file; p99: of the fsync; CPU: per file, over the whole run."""
    create = jobs[0]
    files = sum(d["total_ios"] for d in directions(create))
    if files == 0:
        raise ValueError("metadata workload created no file")
    runtime_s = sum(job["job_runtime"] for job in jobs) / 1000.0
    sync_p99 = create.get("sync", {}).get("lat_ns", {}).get("percentile", {}).get("99.000000")
    run = Run(files / runtime_s if runtime_s else float("nan"), runtime_s / files * 1e6,
              sync_p99 / 1000.0 if sync_p99 else float("nan"), ios=files)
    cpu = cpu_use(cpu_path)
    if cpu:
        run.cpu_us_per_io = cpu.busy * cpu.wall / files * 1e6
        run.usr_us_per_io = cpu.usr * cpu.wall / files * 1e6
        run.sys_us_per_io = cpu.sys * cpu.wall / files * 1e6
        run.background_cores = cpu.background
    return run


def parse_run_file(path, metric_of):
    """[(target, workload, rep, Run)] from runs/<target>--<name>--<rep>.json: NAME is a
    group (one job per workload, named after it) or fs-meta (one workload, three jobs).
    A file that is not fio's JSON, or a job without I/O, is reported and skipped."""
    m = re.fullmatch(r"(.+)--(.+)--(\d+)\.json", path.name)
    if not m:
        return []
    target, name, rep = m.group(1), m.group(2), int(m.group(3))
    runs_dir = path.parent
    try:
        jobs = load_fio_json(path)["jobs"]
        if metric_of.get(name) == "files":
            return [(target, name, rep, parse_meta_run(jobs, runs_dir / f"{target}--{name}--{rep}.cpu"))]
    except (ValueError, KeyError, IndexError, json.JSONDecodeError) as e:
        print(f"report: skipping {path}: {e}", file=sys.stderr)
        return []
    out = []
    for job in jobs:
        workload = job.get("jobname")
        if workload not in metric_of:
            continue
        try:
            run = parse_job(job, runs_dir / f"{target}--{workload}--{rep}.cpu", metric_of[workload])
        except (ValueError, KeyError, IndexError) as e:
            print(f"report: skipping {workload} in {path}: {e}", file=sys.stderr)
            continue
        out.append((target, workload, rep, run))
    return out


def read_tsv(path):
    if not path.exists():
        return []
    return [line.split("\t") for line in path.read_text().splitlines() if line.strip()]


def load_stage(directory, key, title):
    targets = [Target(*row[:5]) for row in read_tsv(directory / "targets.tsv")]
    unavailable = [row for row in read_tsv(directory / "unavailable.tsv")]
    workloads = [tuple(row[:4]) for row in read_tsv(directory / "workloads.tsv")]
    stage = Stage(key, title, targets, unavailable, workloads)
    metric_of = {w[0]: w[2] for w in workloads}
    for path in sorted((directory / "runs").glob("*.json")):
        for target, workload, rep, run in parse_run_file(path, metric_of):
            stage.runs.setdefault((workload, target), []).append((rep, run))
    for reps in stage.runs.values():
        reps.sort(key=lambda r: r[0])
    if (directory / "versions.txt").exists():
        stage.versions = (directory / "versions.txt").read_text().splitlines()
    for t in targets:
        stage.evidence[t.name] = load_evidence(directory / "evidence", t.name)
    return stage


def load_evidence(directory, target):
    """Per-I/O figures of the evidence runs: context switches and CPU migrations (perf,
    whole system; its task-clock is not used: system-wide, it counts idle time too),
    syscalls of the serving process (strace -c -f) and its three most frequent."""
    ev = {}
    perf = directory / f"{target}.perf"
    perf_json = directory / f"{target}.perf.json"
    if perf.exists() and perf_json.exists():
        try:
            ios = sum(d["total_ios"] for job in load_fio_json(perf_json)["jobs"] for d in directions(job))
        except (ValueError, KeyError, json.JSONDecodeError):
            ios = 0
        counters = {}
        for line in perf.read_text().splitlines():
            parts = line.split(",")
            if len(parts) >= 3 and parts[0].replace(".", "", 1).isdigit():
                counters[parts[2]] = float(parts[0])
        if ios and "context-switches" in counters:
            ev["cs_per_io"] = counters["context-switches"] / ios
        if ios and "cpu-migrations" in counters:
            ev["migrations_per_io"] = counters["cpu-migrations"] / ios
    strace = directory / f"{target}.strace"
    strace_json = directory / f"{target}.strace.json"
    if strace.exists() and strace_json.exists():
        try:
            ios = sum(d["total_ios"] for job in load_fio_json(strace_json)["jobs"] for d in directions(job))
        except (ValueError, KeyError, json.JSONDecodeError):
            ios = 0
        calls = parse_strace_counts(strace.read_text())
        total = calls.pop("total", sum(calls.values()))
        if ios:
            ev["syscalls_per_io"] = total / ios
            ev["top_syscalls"] = [(name, n / ios) for name, n in sorted(calls.items(), key=lambda c: -c[1])[:3]]
    return ev


def parse_strace_counts(text):
    """{syscall: calls} from the table of `strace -c` (and its 'total' line)."""
    calls = {}
    for line in text.splitlines():
        parts = line.split()
        # % time, seconds, usecs/call, calls, [errors,] syscall
        if len(parts) >= 5 and re.fullmatch(r"[0-9.]+", parts[0]) and parts[3].isdigit():
            calls[parts[-1]] = calls.get(parts[-1], 0) + int(parts[3])
    return calls


# ------------------------------------------------------------------------------ tables

def mean_throughput(stage, workload, target):
    reps = stage.runs.get((workload, target))
    return statistics.fmean(r.throughput for _, r in reps) if reps else None


def baseline_for(stage, target, role):
    """The target a ratio column compares with: the stage's target of that role (the target
    itself if it has that role); for nbdkit the one of the same kind (memory for RAM disks,
    file for pass-through)."""
    candidates = [t for t in stage.targets if t.role == role]
    if role == "nbdkit":
        candidates = [t for t in candidates if t.kind == target.kind] or candidates
    if target in candidates:
        return target
    return candidates[0] if candidates else None


def fmt(value, digits=None):
    if value is None or value != value:  # None or NaN
        return "n/a"
    if digits is None:
        digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    return f"{value:,.{digits}f}"


def fmt_ratio(r):
    """Two decimals; three below 0.1, where user-space targets in the VM sit."""
    if r is None or r != r:
        return "n/a"
    return f"{r:.2f}" if r >= 0.1 else f"{r:.3f}"


def ratio(a, b):
    return a / b if a is not None and b else None


def workload_table(stage, workload):
    name, _group, metric, label = workload
    unit = METRIC_UNITS[metric]
    roles = [r for r in ("raw", "nbdkit", "libfuse") if any(t.role == r for t in stage.targets)]
    head = ["target", f"{unit} (each run)", f"{unit} (mean)", "lat mean µs", "lat p99 µs",
            "CPU µs/IO (usr+sys)"] + [f"× {r}" for r in roles]
    rows = []
    for t in stage.targets:
        reps = stage.runs.get((name, t.name))
        if not reps:
            continue
        runs = [r for _, r in reps]
        mean = statistics.fmean(r.throughput for r in runs)
        cpu = [r.cpu_us_per_io for r in runs if r.cpu_us_per_io is not None]
        usr = [r.usr_us_per_io for r in runs if r.usr_us_per_io is not None]
        sys_ = [r.sys_us_per_io for r in runs if r.sys_us_per_io is not None]
        cpu_text = (f"{fmt(statistics.fmean(cpu))} ({fmt(statistics.fmean(usr))}+{fmt(statistics.fmean(sys_))})"
                    if cpu else "n/a")
        row = [t.name, " / ".join(fmt(r.throughput) for r in runs), fmt(mean),
               fmt(statistics.fmean(r.lat_mean_us for r in runs)),
               fmt(statistics.fmean(r.lat_p99_us for r in runs)), cpu_text]
        for role in roles:
            base = baseline_for(stage, t, role)
            row.append(fmt_ratio(ratio(mean, mean_throughput(stage, name, base.name)) if base else None))
        rows.append(row)
    if not rows:
        return ""
    lines = [f"#### {label} (`{name}`)", "", "| " + " | ".join(head) + " |",
             "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def overview_table(stage):
    """Workloads by targets: mean throughput, and its ratio to the raw device."""
    raw = next((t for t in stage.targets if t.role == "raw"), None)
    names = [t.name for t in stage.targets]
    lines = ["| workload | unit | " + " | ".join(names) + " |", "|---|---|" + "---:|" * len(names)]
    for name, _group, metric, _label in stage.workloads:
        if not any((name, t) in stage.runs for t in names):
            continue
        base = mean_throughput(stage, name, raw.name) if raw else None
        cells = []
        for t in names:
            mean = mean_throughput(stage, name, t)
            r = ratio(mean, base)
            cells.append("n/a" if mean is None else fmt(mean) if t == (raw.name if raw else None) or r is None
                         else f"{fmt(mean)} ({fmt_ratio(r)})")
        lines.append(f"| `{name}` | {METRIC_UNITS[metric]} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n" if len(lines) > 2 else ""


def goal_rows(stage):
    rows = []
    for target, baseline, minimum, which in GOALS.get(stage.key, []):
        names = {t.name for t in stage.targets}
        desc = f"`{target}` ≥ {minimum:.2f} × `{baseline}`"
        if target not in names or baseline not in names:
            missing = target if target not in names else baseline
            rows.append(f"| {desc} | not measured (`{missing}` unavailable) | | |")
            continue
        checked = []
        for name, group, _metric, _label in stage.workloads:
            if which == "all" or which == group or (isinstance(which, tuple) and name in which):
                r = ratio(mean_throughput(stage, name, target), mean_throughput(stage, name, baseline))
                if r is not None:
                    checked.append((name, r))
        if not checked:
            rows.append(f"| {desc} | not measured (no common workload) | | |")
            continue
        missed = [(n, r) for n, r in checked if r < minimum]
        worst = min(checked, key=lambda c: c[1])
        verdict = "**met**" if not missed else f"**missed** on {len(missed)} of {len(checked)}"
        missed_text = ", ".join(f"{n} {r:.2f}" for n, r in missed) or "none"
        rows.append(f"| {desc} | {verdict} | {worst[0]} {worst[1]:.2f} | {missed_text} |")
    if not rows:
        return ""
    return "\n".join(["| goal | result | lowest ratio | workloads below |", "|---|---|---|---|"] + rows) + "\n"


def evidence_table(stage):
    rows = []
    for t in stage.targets:
        ev = stage.evidence.get(t.name, {})
        if not ev:
            continue
        top = ", ".join(f"{n} {c:.2f}" for n, c in ev.get("top_syscalls", [])) or "n/a"
        rows.append(f"| {t.name} | {fmt(ev.get('cs_per_io'))} | {fmt(ev.get('migrations_per_io'), 3)} | "
                    f"{fmt(ev.get('syscalls_per_io'))} | {top} |")
    if not rows:
        return ""
    return "\n".join([
        "| target | context switches / IO (all CPUs) | CPU migrations / IO | "
        "server syscalls / IO | most frequent server syscalls / IO |",
        "|---|---:|---:|---:|---|"] + rows) + "\n"


def stage_markdown(stage):
    out = [f"## {stage.title}", ""]
    if stage.versions:
        out += ["```", *stage.versions, "```", ""]
    background = [r.background_cores for reps in stage.runs.values() for _, r in reps
                  if r.background_cores is not None]
    if background:
        busy = statistics.fmean(background)
        out += [f"Other work on the machine, measured in a 0.5 s window before each run and subtracted "
                f"from the CPU figures: {busy:.2f} CPUs busy on average, {max(background):.2f} at most."
                + (f" **With that much other work ({busy:.2f} CPUs) the "
                   "CPU per I/O figures of this stage are not reliable** (the other work yields CPU to "
                   "a run it competes with, so less is subtracted than should be, or more), and "
                   "throughput varies from run to run with the other work." if busy > BUSY_MACHINE else ""),
                ""]
    out += ["Targets:", ""]
    out += [f"- `{t.name}`: {t.label} (`{t.device}`)" for t in stage.targets]
    out += [f"- `{row[0]}`: {row[3]}: **not measured**: {row[4]}" for row in stage.unavailable]
    out.append("")
    goals = goal_rows(stage)
    if goals:
        out += ["### Goals", "", goals]
    overview = overview_table(stage)
    if overview:
        out += ["### Overview: mean throughput (× the raw device)", "", overview]
    out += ["### Results", ""]
    for w in stage.workloads:
        table = workload_table(stage, w)
        if table:
            out += [table]
    ev = evidence_table(stage)
    if ev:
        out += ["### Evidence (4k random read, QD32, separate short runs)", "", ev]
    return "\n".join(out)


def chart_data(stage, directory):
    """<stage>-relative.dat (throughput / raw) and <stage>-p99.dat (µs): one row per
    measured workload, one column per target (gnuplot's clustered histogram layout)."""
    directory.mkdir(parents=True, exist_ok=True)
    raw = next((t for t in stage.targets if t.role == "raw"), None)
    names = [t.name for t in stage.targets]
    rel = ["workload " + " ".join(names)]
    p99 = ["workload " + " ".join(names)]
    for name, _group, _metric, _label in stage.workloads:
        if not any((name, t) in stage.runs for t in names):
            continue
        base = mean_throughput(stage, name, raw.name) if raw else None
        rel_row, p99_row = [name], [name]
        for t in names:
            reps = stage.runs.get((name, t))
            r = ratio(mean_throughput(stage, name, t), base)
            rel_row.append(f"{r:.4f}" if r is not None else "NaN")
            p = statistics.fmean(run.lat_p99_us for _, run in reps) if reps else None
            p99_row.append(f"{p:.2f}" if p is not None and p == p else "NaN")
        rel.append(" ".join(rel_row))
        p99.append(" ".join(p99_row))
    (directory / f"{stage.key}-relative.dat").write_text("\n".join(rel) + "\n")
    (directory / f"{stage.key}-p99.dat").write_text("\n".join(p99) + "\n")


def write_report(results):
    results = Path(results)
    stages = [load_stage(results / key, key, title) for key, title in STAGES if (results / key / "targets.tsv").exists()]
    if not stages:
        raise SystemExit(f"report: no stage results under {results} (expected host/ or vm/ with targets.tsv)")
    parts = [f"# Benchmark results: {results.name}", ""]
    settings = results / "settings.txt"
    if settings.exists():
        parts += ["```", settings.read_text().rstrip(), "```", ""]
    parts += ["Throughput is the mean of the runs listed beside it; latencies are fio's completion-to-"
              "submission totals (`lat`), averaged over the runs; CPU is whole-system busy time (all "
              "CPUs, from /proc/stat over the measured window) per I/O, so a server's CPU counts; "
              "× columns divide mean throughputs. For `fs-meta` an I/O is one file's whole cycle "
              "and p99 is the fsync's.", ""]
    for stage in stages:
        parts.append(stage_markdown(stage))
        chart_data(stage, results / "charts")
    (results / "summary.md").write_text("\n".join(parts))
    return results / "summary.md"


def log_lines(stage_dir, json_path):
    """One line per workload of one fio run, for the benchmark's log."""
    workloads = [tuple(row[:4]) for row in read_tsv(Path(stage_dir) / "workloads.tsv")]
    metric_of = {w[0]: w[2] for w in workloads}
    lines = []
    for _target, workload, _rep, run in parse_run_file(Path(json_path), metric_of):
        cpu = f"{fmt(run.cpu_us_per_io)} µs CPU/IO" if run.cpu_us_per_io is not None else "CPU n/a"
        lines.append(f"{workload}: {fmt(run.throughput)} {METRIC_UNITS[metric_of[workload]]}, "
                     f"lat {fmt(run.lat_mean_us)} µs (p99 {fmt(run.lat_p99_us)}), {cpu}")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--log-lines", nargs=2, metavar=("STAGE_DIR", "JSON"),
                        help="print the workloads of one fio run, one line each")
    parser.add_argument("results", nargs="?", help="a run directory of bench/results")
    args = parser.parse_args(argv)
    if args.log_lines:
        lines = log_lines(*args.log_lines)
        print("\n    ".join(lines) if lines else "FAILED (no workload in the output)")
        return 0 if lines else 1
    if not args.results:
        parser.error("give a results directory or --log-lines")
    print(write_report(args.results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
