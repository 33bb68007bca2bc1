# Sourced by kafka-dev and registry-dev (beside it) and scripts/bootstrap: run a long step with a plain-text
# heartbeat ("still fetching Kafka... 20 s") every 10 s, so a first run never looks stuck.
# No terminal escape codes: the lines read the same in a terminal and in a CI log.
with_progress() {
  local what="$1"; shift
  local started=$SECONDS
  "$@" &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if kill -0 "$pid" 2>/dev/null && [ $(( (SECONDS - started) % 10 )) -eq 0 ] && [ $SECONDS -gt $started ]; then
      echo "  ... still $what ($(( SECONDS - started )) s)" >&2
    fi
  done
  wait "$pid"
}
