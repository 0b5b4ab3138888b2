# Sourced by the serve scripts: start_serve LOG ARGS... runs `./finetune4j serve --port 0 ARGS...` in the
# background, waits until it listens, and sets server (its pid), port and id (the base model id); the
# server gets SIGTERM when the calling script exits. Run from the repository root.
start_serve() {
    local log="$1"
    shift
    ./finetune4j serve --port 0 "$@" > "$log" 2>&1 &
    server=$!
    trap "kill -TERM $server 2>/dev/null || true; rm -f '$log'" EXIT
    for _ in $(seq 1 120); do
        grep -q "^serving" "$log" && break
        kill -0 $server 2>/dev/null || { cat "$log" >&2; exit 1; }
        sleep 0.5
    done
    port="$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/v1.*|\1|p' "$log")"
    id="$(sed -n 's|^serving \([^ ]*\) on.*|\1|p' "$log")"
}
