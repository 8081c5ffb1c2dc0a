#!/usr/bin/env bash
# Builds and runs the demo application: two block devices served by Spring beans, with
# Actuator on port 8080, until Ctrl-C.
set -euo pipefail

usage() {
    cat <<'TXT'
Usage: scripts/run-demo.sh [--data-dir DIR] [-- SPRING_ARGS...]

Builds demo-app and runs it as root. It serves two block devices on the fuse-loop
transport (or kbdus when the module is loaded):
  ram   256 MiB, RamDiskDriver bean
  file  128 MiB, PassthroughDriver bean over DIR/file.img (default DIR: .demo-data)
and prints one line per device with its path (/dev/loopN). Then, in another terminal:
  curl -s localhost:8080/actuator/bdus | python3 -m json.tool
  mkfs.ext4 -q /dev/loopN && mount /dev/loopN /mnt
Ctrl-C flushes and removes the devices (unmount them first).
Arguments after -- go to Spring Boot, e.g. -- --server.port=9090
TXT
}

data_dir=
spring_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --data-dir) data_dir=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        --) shift; spring_args=("$@"); break ;;
        *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
    esac
done

cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
    echo "The demo serves real block devices and needs root: sudo scripts/run-demo.sh" >&2
    exit 1
fi
data_dir=${data_dir:-$(pwd)/.demo-data}
mkdir -p "$data_dir"

echo "Building the demo (first run downloads dependencies; a minute or two)..."
./mvnw -q -B -ntp -pl demo-app -am package -DskipTests
jar=$(ls demo-app/target/demo-app-*.jar | grep -v original | head -1)
echo "Starting $jar (Ctrl-C to stop)"
exec java -jar "$jar" --demo.data-dir="$data_dir" "${spring_args[@]}"
