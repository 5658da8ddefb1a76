# Sourced by .ci/run and scripts/test-all.sh: runs named stages, prints each one's duration as
# it ends and, when the script exits (passed or failed), the table of all of them.
_stage_names=()
_stage_secs=()
_stage_status=()

# stage NAME COMMAND...: runs COMMAND as the stage NAME; a failing stage ends the script.
stage() {
  local name=$1 start=$SECONDS rc=0
  shift
  printf '\n==> %s\n' "$name"
  "$@" || rc=$?
  _stage_names+=("$name")
  _stage_secs+=($((SECONDS - start)))
  _stage_status+=("$([ "$rc" -eq 0 ] && echo ok || echo "FAILED ($rc)")")
  printf '<== %s: %s s%s\n' "$name" "$((SECONDS - start))" "$([ "$rc" -eq 0 ] || echo ", FAILED with exit code $rc")"
  return "$rc"
}

_stage_summary() {
  local rc=$?
  [ ${#_stage_names[@]} -eq 0 ] && return
  printf '\n==> stage durations (%s)\n' "$0"
  local i
  for i in "${!_stage_names[@]}"; do
    printf '  %-42s %6s s  %s\n' "${_stage_names[$i]}" "${_stage_secs[$i]}" "${_stage_status[$i]}"
  done
  printf '  %-42s %6s s  %s\n' "total" "$SECONDS" "$([ "$rc" -eq 0 ] && echo ok || echo "FAILED ($rc)")"
}
trap _stage_summary EXIT
