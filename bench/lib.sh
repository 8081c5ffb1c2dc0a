# Shared part of the benchmark suite, sourced by scripts/bench.sh (host stage) and by
# bench/vm-stage.sh (inside the test VM): the target registry, the workloads, the fio runs
# with whole-system CPU sampling, and cleanup. Not meant to be run on its own.
#
# The sourcing script sets, before calling anything here:
#   OUT       result directory of the stage (fio JSON, CPU samples, targets.tsv, ...)
#   WORK      scratch directory (mount points, sockets, logs of servers)
#   RAMP RUNTIME REPS   fio --ramp_time and --runtime (seconds) and repetitions per workload
#   FS_FILE_SIZE        size of the large file of the file-system workloads (fio size)
#   META_FILES          files created, stat'ed and deleted by the metadata workload
#   WORKLOADS           names of the workloads to run (see WORKLOAD_DEFS), space separated
#   EVIDENCE_RUNTIME    seconds of each strace and perf run (collect_evidence); 0: none
#   BACKGROUND_WINDOW   1: measure the machine's other CPU use before each run (host; the
#                       VM's guest sees only itself); 0: do not
#   ONE_LINE_SUMMARY    1: log each run's figures (report.py, a Python start per run: too
#                       slow under emulation); 0: log the run's duration only

BENCH_TARGETS=()
declare -A BENCH_DEV BENCH_PID BENCH_MNT
BENCH_CLEANUPS=()

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# defer COMMAND...: run COMMAND at exit (in reverse order of registration).
defer() {
    local q
    printf -v q '%q ' "$@"
    BENCH_CLEANUPS+=("$q")
}

run_cleanups() {
    local i
    for ((i = ${#BENCH_CLEANUPS[@]} - 1; i >= 0; i--)); do
        eval "${BENCH_CLEANUPS[$i]}" >/dev/null 2>&1 || true
    done
    BENCH_CLEANUPS=()
}

# wait_for SECONDS COMMAND...: poll COMMAND every 0.2 s until it succeeds.
wait_for() {
    local deadline=$(($(date +%s) + $1))
    shift
    until "$@" 2>/dev/null; do
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}

# add_target NAME ROLE KIND LABEL START_FUNCTION [ARGS...]
#
# Starts one target and registers it. START_FUNCTION runs in this shell, creates the block
# device, registers its teardown with `defer`, and sets DEV (the device path) and, for a
# target served by a user-space process, SERVER_PID (for the syscall and perf evidence).
# ROLE is raw, nbdkit, libfuse or other (which ratio columns the target is a baseline
# for); KIND is ram or file (which nbdkit target it is compared with). A target that
# cannot start is recorded in unavailable.tsv with the reason and the run goes on.
add_target() {
    local name=$1 role=$2 kind=$3 label=$4
    shift 4
    DEV="" SERVER_PID="" UNAVAILABLE=""
    log "target $name: $label"
    if "$@" && [ -b "$DEV" ]; then
        BENCH_TARGETS+=("$name")
        BENCH_DEV[$name]=$DEV
        BENCH_PID[$name]=$SERVER_PID
        printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$role" "$kind" "$label" "$DEV" >>"$OUT/targets.tsv"
        log "target $name ready: $DEV${SERVER_PID:+ (server pid $SERVER_PID)}"
    else
        local why=${UNAVAILABLE:-"did not start (see $name logs in the result directory)"}
        why=$(printf '%s' "$why" | tr '\n\t' '  ')
        printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$role" "$kind" "$label" "$why" >>"$OUT/unavailable.tsv"
        log "target $name NOT measured: $why"
    fi
}

# fill_device DEV: write every block once, so that reads of RAM-backed targets touch real
# memory (a sparse RAM disk answers reads of unwritten blocks without copying anything).
fill_device() {
    dd if=/dev/zero of="$1" bs=1M oflag=direct status=none 2>/dev/null || true
}

# The workloads: NAME|GROUP|METRIC|LABEL|FIO ARGUMENTS. GROUP raw runs on the block device;
# fs on a file in ext4 on it. METRIC is what the tables show as throughput: iops, mbps or
# files (files per second through the whole create/write/fsync/stat/delete cycle).
WORKLOAD_DEFS=(
    "rr4k-qd1|raw|iops|4k random read, QD1|--rw=randread --bs=4k --iodepth=1"
    "rw4k-qd1|raw|iops|4k random write, QD1|--rw=randwrite --bs=4k --iodepth=1"
    "rr4k-qd32|raw|iops|4k random read, QD32|--rw=randread --bs=4k --iodepth=32"
    "rw4k-qd32|raw|iops|4k random write, QD32|--rw=randwrite --bs=4k --iodepth=32"
    "mix4k-qd16x2|raw|iops|4k random 70/30 read/write, QD16 x 2 jobs|--rw=randrw --rwmixread=70 --bs=4k --iodepth=16 --numjobs=2"
    "sr64k-qd8|raw|mbps|64k sequential read, QD8|--rw=read --bs=64k --iodepth=8"
    "sw64k-qd8|raw|mbps|64k sequential write, QD8|--rw=write --bs=64k --iodepth=8"
    "sr1m-qd8|raw|mbps|1M sequential read, QD8|--rw=read --bs=1M --iodepth=8"
    "sw1m-qd8|raw|mbps|1M sequential write, QD8|--rw=write --bs=1M --iodepth=8"
    "fs-seqwrite|fs|mbps|ext4: large file, 1M sequential write, QD8|--rw=write --bs=1M --iodepth=8"
    "fs-seqread|fs|mbps|ext4: large file, 1M sequential read, QD8|--rw=read --bs=1M --iodepth=8"
    "fs-mixed|fs|iops|ext4: 16k random 70/30 read/write, QD8 x 2 jobs, fsync every 32 writes|--rw=randrw --rwmixread=70 --bs=16k --iodepth=8 --numjobs=2 --fsync=32"
    "fs-meta|fs|files|ext4: small files: create + 4k write + fsync, stat, delete|"
)

workload_field() { # NAME FIELD(1-5)
    local w
    for w in "${WORKLOAD_DEFS[@]}"; do
        [ "${w%%|*}" = "$1" ] && { echo "$w" | cut -d'|' -f"$2"; return 0; }
    done
    return 1
}

write_workloads_tsv() {
    local w name
    : >"$OUT/workloads.tsv"
    for name in $WORKLOADS; do
        w=$(workload_field "$name" 1-4) || { log "unknown workload $name"; return 1; }
        echo "$w" | tr '|' '\t' >>"$OUT/workloads.tsv"
    done
}

# cpu_sample FILE TAG: what bench/cpu-sample.sh writes, for runs that fio does not time.
cpu_sample() {
    echo "$2 $(date +%s%N) $(head -n1 /proc/stat)" >>"$1"
}

FIO_COMMON=(--direct=1 --ioengine=libaio --group_reporting --lat_percentiles=1
    --unified_rw_reporting=mixed --output-format=json --eta=never)

# group_job FILENAME SIZE TARGET REP WORKLOAD...: one fio job file running the workloads one
# after the other (stonewall), each with its own ramp, runtime and CPU samples
# ($OUT/runs/TARGET--WORKLOAD--REP.cpu, taken by fio as the job starts and ends).
group_job() {
    local filename=$1 size=$2 t=$3 rep=$4 w arg cpu
    shift 4
    cat <<JOB
[global]
filename=$filename
${size:+size=$size}
direct=1
ioengine=libaio
time_based
ramp_time=$RAMP
runtime=$RUNTIME
group_reporting
lat_percentiles=1
unified_rw_reporting=mixed
JOB
    for w in "$@"; do
        cpu="$OUT/runs/$t--$w--$rep.cpu"
        rm -rf "$cpu" "$cpu.started"
        printf '\n[%s]\nstonewall\n' "$w"
        for arg in $(workload_field "$w" 5); do
            echo "${arg#--}"
        done
        echo "exec_prerun=$BENCH_DIR/cpu-sample.sh $cpu start ${BACKGROUND_WINDOW:-1}"
        echo "exec_postrun=$BENCH_DIR/cpu-sample.sh $cpu end"
    done
}

# run_group TARGET GROUP REP WORKLOAD...: one fio run of those workloads on TARGET (its
# device, or the large file in its ext4), JSON in $OUT/runs/TARGET--GROUP--REP.json.
run_group() {
    local t=$1 group=$2 rep=$3 base t0=$SECONDS
    shift 3
    base="$OUT/runs/$t--$group--$rep"
    if [ "$group" = fs ]; then
        group_job "${BENCH_MNT[$t]}/large" "$FS_FILE_SIZE" "$t" "$rep" "$@" >"$WORK/$t-$group.fio"
    else
        group_job "${BENCH_DEV[$t]}" "" "$t" "$rep" "$@" >"$WORK/$t-$group.fio"
    fi
    # fio writes what exec_prerun prints into <job>.prerun.txt in its working directory.
    (cd "$WORK/fio" && fio --output-format=json --eta=never "$WORK/$t-$group.fio") >"$base.json" 2>"$base.err"
    [ -s "$base.err" ] || rm -f "$base.err"
    report_group "$base.json" "$((SECONDS - t0))"
}

# run_meta TARGET REP: the metadata workload (counted, not timed) on TARGET's ext4.
run_meta() {
    local t=$1 rep=$2 base t0=$SECONDS mnt=${BENCH_MNT[$1]}
    base="$OUT/runs/$t--fs-meta--$rep"
    rm -f "$base.cpu"
    meta_job "$mnt/meta" >"$WORK/meta.fio"
    rm -rf "$mnt/meta" && mkdir -p "$mnt/meta" && sync
    if [ "${BACKGROUND_WINDOW:-1}" = 1 ]; then
        cpu_sample "$base.cpu" bg
        sleep 0.5
        cpu_sample "$base.cpu" bg
    fi
    cpu_sample "$base.cpu" start
    (cd "$WORK/fio" && fio --output-format=json --eta=never "$WORK/meta.fio") >"$base.json" 2>"$base.err"
    cpu_sample "$base.cpu" end
    [ -s "$base.err" ] || rm -f "$base.err"
    report_group "$base.json" "$((SECONDS - t0))"
}

# The log's account of one fio run: per workload, throughput, latency and CPU per I/O
# (report.py: a Python start, too slow under emulation), or how long it took.
report_group() { # JSON SECONDS
    if [ ! -s "$1" ]; then
        echo "FAILED ($(head -c 300 "${1%.json}.err" 2>/dev/null))"
    elif [ "${ONE_LINE_SUMMARY:-1}" = 1 ]; then
        python3 "$BENCH_DIR/report.py" --log-lines "$OUT" "$1" 2>&1
    else
        echo "done in $2 s"
    fi
}

# The metadata workload: META_FILES files, each created, written (4 KiB) and fsync'ed;
# then each stat'ed; then each deleted (three jobs one after the other, same file names).
meta_job() { # DIR
    cat <<JOB
[global]
directory=$1
filename_format=f.\$filenum
nrfiles=$META_FILES
filesize=4k
bs=4k
openfiles=1
file_service_type=sequential
lat_percentiles=1

[create-write-fsync]
ioengine=psync
rw=write
create_on_open=1
fsync=1

[stat]
stonewall
ioengine=filestat

[delete]
stonewall
ioengine=filedelete
JOB
}

# prepare_fs TARGET: ext4 on the device, mounted, with the large file written once (so
# that reads find written blocks, not unwritten extents).
prepare_fs() {
    local t=$1 dev=${BENCH_DEV[$1]} mnt="$WORK/mnt/$1"
    mkdir -p "$mnt"
    # No lazy initialisation: a background thread writing inode tables would disturb runs.
    mkfs.ext4 -q -F -E nodiscard,lazy_itable_init=0,lazy_journal_init=0 "$dev" || return 1
    mount -t ext4 "$dev" "$mnt" || return 1
    defer umount "$mnt"
    BENCH_MNT[$t]=$mnt
    fio --name=layout --filename="$mnt/large" --size="$FS_FILE_SIZE" --rw=write --bs=1M \
        --direct=1 --ioengine=libaio --iodepth=8 --end_fsync=1 --output-format=terse \
        --eta=never >/dev/null 2>"$WORK/layout-$t.err" || return 1
}

# run_workloads: the selected workloads, REPS times, on every target. One fio run per
# target, repetition and group runs that group's workloads one after the other; targets
# and repetitions are interleaved so that a slow phase of a shared machine does not hit
# one target only. Block-device workloads first (they overwrite the devices), then ext4
# on every target: the large-file workloads, then the metadata workload.
run_workloads() {
    local w rep t raw=() fs=() meta=false
    mkdir -p "$OUT/runs" "$WORK/fio"
    write_workloads_tsv
    for w in $WORKLOADS; do
        case $(workload_field "$w" 2)/$w in
        fs/fs-meta) meta=true ;;
        fs/*) fs+=("$w") ;;
        *) raw+=("$w") ;;
        esac
    done
    if [ ${#raw[@]} -gt 0 ]; then
        for rep in $(seq 1 "$REPS"); do
            for t in "${BENCH_TARGETS[@]}"; do
                log "raw rep $rep $t: $(run_group "$t" raw "$rep" "${raw[@]}")"
            done
        done
    fi
    [ ${#fs[@]} -gt 0 ] || $meta || return 0
    for t in "${BENCH_TARGETS[@]}"; do
        log "ext4 on $t (${BENCH_DEV[$t]})"
        prepare_fs "$t" || log "ext4 on $t failed: its file-system workloads are not measured"
    done
    for rep in $(seq 1 "$REPS"); do
        for t in "${BENCH_TARGETS[@]}"; do
            [ -n "${BENCH_MNT[$t]:-}" ] || continue
            [ ${#fs[@]} -eq 0 ] || log "fs rep $rep $t: $(run_group "$t" fs "$rep" "${fs[@]}")"
            ! $meta || log "fs-meta rep $rep $t: $(run_meta "$t" "$rep")"
        done
    done
}

# collect_evidence WORKLOAD: per user-space target, a short run of WORKLOAD with
# whole-system perf software counters, then one with strace -c -f on the serving process.
# Written under $OUT/evidence; report.py turns them into per-I/O figures.
collect_evidence() {
    local w=$1 t pid args base
    args=$(workload_field "$w" 5)
    mkdir -p "$OUT/evidence"
    for t in "${BENCH_TARGETS[@]}"; do
        base="$OUT/evidence/$t"
        # shellcheck disable=SC2086
        if command -v perf >/dev/null; then
            perf stat -a -x, -e task-clock,context-switches,cpu-migrations,page-faults \
                -o "$base.perf" fio --name="$w" --filename="${BENCH_DEV[$t]}" $args "${FIO_COMMON[@]}" \
                --time_based --runtime="$EVIDENCE_RUNTIME" >"$base.perf.json" 2>/dev/null ||
                echo "perf stat failed here" >"$base.perf"
        fi
        pid=${BENCH_PID[$t]}
        [ -n "$pid" ] || continue
        strace -qq -c -f -p "$pid" -o "$base.strace" &
        local strace_pid=$!
        sleep 1
        # shellcheck disable=SC2086
        fio --name="$w" --filename="${BENCH_DEV[$t]}" $args "${FIO_COMMON[@]}" \
            --time_based --runtime="$EVIDENCE_RUNTIME" >"$base.strace.json" 2>/dev/null
        kill -INT "$strace_pid" 2>/dev/null
        wait "$strace_pid" 2>/dev/null
        log "evidence $t: $(grep -E '^[ 0-9.]+ +[0-9.]+ +[0-9]+ +[0-9]+ .*total' "$base.strace" | awk '{print $4 " syscalls"}')"
    done
}
