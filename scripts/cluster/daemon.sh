# Starting the node's daemons and waiting for them (sourced by node.sh; needs $D, the state dir).
# Every failure names the component and its log, and ends the script at once: a daemon that exits
# is noticed on the next poll, not after the timeout.

say() { echo "node: $*" >&2; }
fail() { echo "node: $*" >&2; exit 1; }
alive() { [ -f "$D/$1.pid" ] && kill -0 "$(cat "$D/$1.pid")" 2>/dev/null; }

# start_bg name cmd...: runs cmd in the background, output in $D/name.log, PID in $D/name.pid
start_bg() {
  local name=$1; shift
  "$@" > "$D/$name.log" 2>&1 &
  echo $! > "$D/$name.pid"
}

# wait_up name seconds what probe...: polls probe every 0.2 s until it succeeds. Fails with the
# log's last lines when the daemon exits first, or when `seconds` pass ("what" says what was awaited).
wait_up() {
  local name=$1 seconds=$2 what=$3 i
  shift 3
  for ((i = 0; i < seconds * 5; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    if ! alive "$name"; then
      tail -20 "$D/$name.log" >&2
      fail "$name exited before $what; see $D/$name.log"
    fi
    sleep 0.2
  done
  "$@" >/dev/null 2>&1 && return 0
  tail -20 "$D/$name.log" >&2
  fail "$name: no $what within $seconds s; see $D/$name.log"
}
