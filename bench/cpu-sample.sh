#!/bin/sh
# cpu-sample.sh FILE start|end [BACKGROUND]: appends "<tag> <ns since epoch> <the cpu line
# of /proc/stat>" (the whole system's CPU counters) to FILE. fio runs it as a job starts
# (exec_prerun) and ends (exec_postrun), so that no timer has to guess where a job's window
# is on a busy machine. "start" with BACKGROUND 1 first takes two "bg" samples 0.5 s apart
# while no job runs (what other work keeps the CPUs busy). Of the clones of a job with
# numjobs > 1 only the first takes "start"; report.py uses the first start and last end.
case ${1:-} in
-h | --help) echo "usage: cpu-sample.sh FILE start|end [BACKGROUND] (run by fio; see above)"; exit 0 ;;
esac
file=${1:?usage: cpu-sample.sh FILE start|end [BACKGROUND]} tag=${2:-}
sample() { echo "$1 $(date +%s%N) $(head -n1 /proc/stat)" >>"$file"; }
case $tag in
start)
    mkdir "$file.started" 2>/dev/null || exit 0
    if [ "${3:-0}" = 1 ]; then
        sample bg
        sleep 0.5
        sample bg
    fi
    sample start
    ;;
end) sample end ;;
*) echo "usage: cpu-sample.sh FILE start|end [BACKGROUND]" >&2; exit 2 ;;
esac
