#!/usr/bin/env bash
# A throwaway Ceph cluster on this machine for the RADOS driver's tests and benchmarks:
# one monitor, one manager and three OSDs (memstore by default, bluestore on sparse files
# with --store bluestore), cephx, loopback addresses and private ports, everything in one
# directory; no cephadm, no systemd. Daemons are stopped with SIGKILL by pid: memstore
# would write its whole RAM to disk on SIGTERM.
set -euo pipefail

usage() {
    cat <<'TXT'
Usage: scripts/ceph-test-cluster.sh [OPTIONS] COMMAND

A local Ceph cluster for tests: mon + mgr + 3 OSDs on 127.0.0.1, cephx, a replicated
pool (size 3, min_size 2) and a client user for it. Run as root. 'up' installs the
Debian packages it needs (ceph-mon ceph-osd ceph-mgr ceph-common) when missing.

Commands:
  up            start the cluster (does nothing but print its environment if it runs)
                and print the environment to use it, e.g. eval "$(... up)"
  down          SIGKILL every daemon of the cluster and delete its directory
  env           print the environment of a running cluster (exit 1 if it is not up):
                  export CEPH_CONF=DIR/ceph.conf
                  export BDUS_RADOS_POOL=bdus BDUS_RADOS_CLIENT=client.bdus
  status        'ceph status' of the cluster
  kill-osd N    SIGKILL osd.N (0, 1 or 2), as a crash would
  start-osd N   start osd.N again (bluestore: with its data; memstore: an empty store
                with the same identity, which the cluster backfills)
  pause         SIGSTOP every daemon: the cluster stops answering, nothing is lost
  resume        SIGCONT every daemon
  await-clean   wait (up to 180 s) until every OSD is up and every placement group
                active+clean, e.g. after start-osd
  await-active  wait (up to 180 s) until every OSD is up and every placement group
                active (serving I/O; recovery may still run)

Options (also from the environment):
  --dir DIR         cluster directory, mode 0700 (BDUS_CEPH_DIR; default /run/bdus-ceph)
  --port PORT       monitor port on 127.0.0.1; daemons use PORT+1..PORT+99
                    (BDUS_CEPH_PORT; default 46789)
  --store STORE     memstore or bluestore (BDUS_CEPH_STORE; default memstore)
  --osd-size SIZE   capacity of each OSD, e.g. 4G (BDUS_CEPH_OSD_SIZE; default 4G).
                    memstore holds data in RAM: each byte written to a size-3 pool
                    costs about 3-4 bytes of RAM in all.
  --help            this text

Example:
  eval "$(sudo scripts/ceph-test-cluster.sh up)"
  rados -p "$BDUS_RADOS_POOL" --id bdus ls
  sudo scripts/ceph-test-cluster.sh down
TXT
}

dir=${BDUS_CEPH_DIR:-/run/bdus-ceph}
port=${BDUS_CEPH_PORT:-46789}
store=${BDUS_CEPH_STORE:-memstore}
osd_size=${BDUS_CEPH_OSD_SIZE:-4G}
pool=bdus
client=client.bdus
osds=(0 1 2)

command=
osd_arg=
while [ $# -gt 0 ]; do
    case "$1" in
        --dir) dir=$2; shift 2 ;;
        --port) port=$2; shift 2 ;;
        --store) store=$2; shift 2 ;;
        --osd-size) osd_size=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        up|down|env|status|pause|resume|await-clean|await-active) command=$1; shift ;;
        kill-osd|start-osd)
            command=$1
            osd_arg=${2:-}
            [[ "$osd_arg" =~ ^[0-2]$ ]] || { echo "$1 needs an OSD number, 0 to 2 (try --help)" >&2; exit 2; }
            shift 2 ;;
        *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
    esac
done
[ -n "$command" ] || { usage >&2; exit 2; }
case "$store" in
    memstore|bluestore) ;;
    *) echo "--store must be memstore or bluestore, was '$store'" >&2; exit 2 ;;
esac
[[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1024 ] && [ "$port" -le 65400 ] \
    || { echo "--port must be 1024 to 65400, was '$port'" >&2; exit 2; }
osd_bytes=$(numfmt --from=iec "${osd_size%B}" 2>/dev/null) \
    || { echo "--osd-size must be a size such as 4G, was '$osd_size'" >&2; exit 2; }
case "$dir" in
    /*) ;;
    *) dir=$(pwd)/$dir ;;
esac

conf=$dir/ceph.conf
daemons=(mon.a mgr.x osd.0 osd.1 osd.2)

log() { echo "ceph-test-cluster: $*" >&2; }

ceph_cli() { timeout 60 ceph --conf "$conf" --name client.admin "$@"; }

pid_of() {
    local file=$dir/run/$1.pid
    [ -s "$file" ] || return 1
    local pid
    pid=$(cat "$file")
    [ -d "/proc/$pid" ] || return 1
    # A pid file outlives its daemon; the pid may be someone else's by now.
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "--conf $conf" || return 1
    echo "$pid"
}

running() {
    local name
    for name in mon.a mgr.x; do
        pid_of "$name" >/dev/null || return 1
    done
    [ -f "$dir/ready" ]
}

print_env() {
    echo "export CEPH_CONF=$conf"
    echo "export BDUS_RADOS_POOL=$pool BDUS_RADOS_CLIENT=$client"
}

kill_daemon() {
    local pid
    if pid=$(pid_of "$1"); then
        kill -KILL "$pid" 2>/dev/null || true
        while [ -d "/proc/$pid" ]; do sleep 0.05; done
    fi
    rm -f "$dir/run/$1.pid"
}

install_packages() {
    local missing=()
    command -v ceph-mon >/dev/null || missing+=(ceph-mon)
    command -v ceph-osd >/dev/null || missing+=(ceph-osd)
    command -v ceph-mgr >/dev/null || missing+=(ceph-mgr)
    command -v ceph >/dev/null && command -v rados >/dev/null || missing+=(ceph-common)
    [ ${#missing[@]} -eq 0 ] && return
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    }
}

write_conf() {
    local fsid=$1
    cat >"$conf" <<CONF
# Written by scripts/ceph-test-cluster.sh: a test cluster, not for real data.
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$port]
mon initial members = a
public addr = 127.0.0.1
ms bind msgr1 = false
ms bind port min = $((port + 1))
ms bind port max = $((port + 99))
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
auth allow insecure global id reclaim = false
keyring = $dir/\$name.keyring
run dir = $dir/run
pid file = $dir/run/\$name.pid
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
mon data = $dir/\$name
mgr data = $dir/\$name
osd data = $dir/\$name
osd pool default size = 3
osd pool default min size = 2
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool delete = true
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
mon osd down out interval = 3600
# A killed OSD is noticed within seconds, not the default 20+.
osd heartbeat interval = 1
osd heartbeat grace = 4
mon osd min down reporters = 1
# A restarted OSD catches up at full speed: there is no client load to protect here.
osd recovery sleep = 0
osd recovery max active = 16
osd max backfills = 16
osd objectstore = $store
memstore device bytes = $osd_bytes
bluestore block create = true
bluestore block size = $osd_bytes
bluestore cache autotune = false
bluestore cache size = 64M
osd memory target = 512M
mgr initial modules = iostat
CONF
    chmod 0600 "$conf"
}

start_daemon() {
    # Each daemon forks into the background and writes its pid file itself.
    "$@" --conf "$conf" >>"$dir/log/start.log" 2>&1
}

make_osd() {
    local id=$1 uuid
    uuid=$(cat "$dir/osd.$id.uuid")
    rm -rf "$dir/osd.$id"
    mkdir -p "$dir/osd.$id"
    ceph-osd --conf "$conf" -i "$id" --mkfs --osd-uuid "$uuid" >>"$dir/log/mkfs.log" 2>&1
}

await() {
    local what=$1 seconds=$2
    shift 2
    local end=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        if [ $SECONDS -ge $end ]; then
            log "$what did not happen within ${seconds}s; logs are in $dir/log"
            return 1
        fi
        sleep 0.2
    done
}

osds_up() { [ "$(ceph_cli osd stat -f json | sed -n 's/.*"num_up_osds":\([0-9]*\).*/\1/p')" = "$1" ]; }

up() {
    if running; then
        print_env
        return
    fi
    [ -d "$dir" ] && down_quietly
    install_packages
    local start=$SECONDS
    mkdir -p "$dir"
    chmod 0700 "$dir"
    mkdir -p "$dir/run" "$dir/log"
    echo "$store" >"$dir/store"
    local fsid
    fsid=$(cat /proc/sys/kernel/random/uuid)
    write_conf "$fsid"

    ceph-authtool --create-keyring "$dir/mon.a.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
    ceph-authtool --create-keyring "$dir/client.admin.keyring" --gen-key -n client.admin \
        --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' --cap mds 'allow *' >/dev/null
    ceph-authtool "$dir/mon.a.keyring" --import-keyring "$dir/client.admin.keyring" >/dev/null
    local id
    for id in "${osds[@]}"; do
        cat /proc/sys/kernel/random/uuid >"$dir/osd.$id.uuid"
        ceph-authtool --create-keyring "$dir/osd.$id.keyring" --gen-key -n "osd.$id" \
            --cap mon 'allow profile osd' --cap mgr 'allow profile osd' --cap osd 'allow *' >/dev/null
        ceph-authtool "$dir/mon.a.keyring" --import-keyring "$dir/osd.$id.keyring" >/dev/null
    done
    ceph-authtool --create-keyring "$dir/mgr.x.keyring" --gen-key -n mgr.x \
        --cap mon 'allow profile mgr' --cap osd 'allow *' --cap mds 'allow *' >/dev/null
    ceph-authtool "$dir/mon.a.keyring" --import-keyring "$dir/mgr.x.keyring" >/dev/null
    # The client the driver uses: its pool only, plus blocklisting a dead holder's lock.
    ceph-authtool --create-keyring "$dir/$client.keyring" --gen-key -n "$client" \
        --cap mon 'allow r, allow command "osd blocklist"' --cap osd "allow rwx pool=$pool" >/dev/null
    ceph-authtool "$dir/mon.a.keyring" --import-keyring "$dir/$client.keyring" >/dev/null
    chmod 0600 "$dir"/*.keyring

    monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$port]" "$dir/monmap" >/dev/null
    ceph-mon --conf "$conf" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/mon.a.keyring" \
        >>"$dir/log/mkfs.log" 2>&1
    start_daemon ceph-mon -i a
    await "the monitor answering" 30 ceph_cli mon stat
    start_daemon ceph-mgr -i x &
    for id in "${osds[@]}"; do
        make_osd "$id" &
    done
    # One 'ceph' process for several commands (each process costs about a second).
    for id in "${osds[@]}"; do
        echo "osd new $(cat "$dir/osd.$id.uuid") $id"
    done | ceph_cli >/dev/null
    wait
    for id in "${osds[@]}"; do
        start_daemon ceph-osd -i "$id" &
    done
    wait
    printf '%s\n' "osd pool create $pool 32 32 replicated" "osd pool application enable $pool bdus" \
        | ceph_cli >/dev/null 2>&1
    await "three OSDs up" 60 osds_up 3
    # Usable: a write goes through (a put waits for peering) and every placement group is active.
    head -c 4096 /dev/urandom >"$dir/probe"
    await "a write to pool $pool" 60 timeout 10 rados --conf "$conf" --name "$client" -p "$pool" \
        put cluster-probe "$dir/probe"
    rados --conf "$conf" --name "$client" -p "$pool" rm cluster-probe
    await "every placement group active+clean" 60 all_pgs_active
    touch "$dir/ready"
    log "cluster up in $((SECONDS - start))s ($store, 3 OSDs of $osd_size, pool $pool, client $client, $dir)"
    print_env
}

all_pgs_active() {
    local stat
    stat=$(ceph_cli pg stat)
    # e.g. "32 pgs: 32 active+clean; ..."
    local total active
    total=$(sed -n 's/^\([0-9]*\) pgs:.*/\1/p' <<<"$stat")
    active=$(grep -o '[0-9]* active+clean' <<<"$stat" | awk '{s += $1} END {print s + 0}')
    [ -n "$total" ] && [ "$total" -gt 0 ] && [ "$active" = "$total" ]
}

pgs_serving() {
    local stat total active
    stat=$(ceph_cli pg stat)
    total=$(sed -n 's/^\([0-9]*\) pgs:.*/\1/p' <<<"$stat")
    active=$(grep -o '[0-9]* active[a-z+_]*' <<<"${stat%%;*}" | awk '{s += $1} END {print s + 0}')
    [ -n "$total" ] && [ "$total" -gt 0 ] && [ "$active" = "$total" ]
}

down_quietly() {
    local name pid pids=()
    for name in "${daemons[@]}"; do
        if [ -d "$dir/run" ] && pid=$(pid_of "$name"); then
            pids+=("$pid")
        fi
    done
    if [ ${#pids[@]} -gt 0 ]; then
        kill -KILL "${pids[@]}" 2>/dev/null || true
        for pid in "${pids[@]}"; do
            while [ -d "/proc/$pid" ]; do sleep 0.05; done
        done
    fi
    rm -rf "$dir"
}

require_up() {
    running || { log "no cluster runs in $dir; start one with: scripts/ceph-test-cluster.sh up"; exit 1; }
}

case "$command" in
    up)
        [ "$(id -u)" -eq 0 ] || { log "run as root (it installs packages and binds daemons)"; exit 1; }
        up ;;
    down)
        start=$SECONDS
        down_quietly
        log "cluster in $dir stopped and removed ($((SECONDS - start))s)" ;;
    env)
        require_up
        print_env ;;
    status)
        require_up
        ceph_cli status ;;
    kill-osd)
        require_up
        kill_daemon "osd.$osd_arg"
        log "osd.$osd_arg killed" ;;
    start-osd)
        require_up
        if pid_of "osd.$osd_arg" >/dev/null; then
            log "osd.$osd_arg runs already"
            exit 0
        fi
        if [ "$(cat "$dir/store")" = memstore ]; then
            # A killed memstore OSD lost everything; it comes back empty and is backfilled.
            make_osd "$osd_arg"
        fi
        start_daemon ceph-osd -i "$osd_arg"
        log "osd.$osd_arg started" ;;
    await-clean)
        require_up
        await "three OSDs up" 180 osds_up 3
        await "every placement group active+clean" 180 all_pgs_active
        log "every OSD up, every placement group active+clean" ;;
    await-active)
        require_up
        await "three OSDs up" 180 osds_up 3
        await "every placement group active" 180 pgs_serving
        log "every OSD up, every placement group active" ;;
    pause|resume)
        require_up
        signal=STOP
        [ "$command" = resume ] && signal=CONT
        for name in "${daemons[@]}"; do
            if pid=$(pid_of "$name"); then
                kill -"$signal" "$pid"
            fi
        done
        log "cluster ${command}d" ;;
esac
