# Sourced by compare.sh and audit.sh: the alternating-runs harness both time with.
# Needs W (work folder), SAMPLES (the samples file), RUNS and log().
#
# measure ROW WHO COMMAND: appends "row who run wall_s maxrss_kib user_s sys_s" to $SAMPLES.
# Each run starts with no dirty pages (`sync`, untimed): otherwise a run that writes 512 MiB
# is throttled by the write-back of the previous run's output, which times the harness.
RUN=0
measure() {
  local row=$1 who=$2 cmd=$3 t=$W/time.txt
  sync
  /usr/bin/time -f '%e %M %U %S' -o "$t" bash -c "$cmd" >/dev/null 2>"$W/stderr.txt" || {
    log "FAILED: $cmd"; cat "$W/stderr.txt" >&2; exit 1; }
  printf '%s\t%s\t%s\t%s\n' "$row" "$who" "$RUN" "$(tr ' ' '\t' <"$t")" >>"$SAMPLES"
}
# pair ROW PQX_COMMAND BASELINE_COMMAND: RUNS alternating runs, order swapped every run.
pair() {
  local row=$1 a=$2 b=$3
  log "   $row"
  for ((RUN = 1; RUN <= RUNS; RUN++)); do
    if ((RUN % 2)); then measure "$row" pqx "$a"; measure "$row" base "$b"
    else measure "$row" base "$b"; measure "$row" pqx "$a"; fi
  done
}
