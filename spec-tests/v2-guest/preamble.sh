# Sourced by the guest scripts (default-config.sh, rootless.sh, systemd-driver.sh) with the script's
# own "$0" and "$@": where the repository and tdrun are, and say NAME VALUE, which adds a
# "name=value" line to RESULTS_DIR/results.txt for the spec-test that judges it.
results=$1
repo=$(cd "$(dirname "$0")/../.." && pwd)
tdrun=$repo/bin/tdrun
node=$repo/node_modules/node/bin/node
out=$results/results.txt
: >"$out"
say() { echo "$1=$2" >>"$out"; echo "v2-guest: $1=$2"; }
