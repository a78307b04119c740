#!/usr/bin/env bash
# Runs a command in a cpuacct cgroup of its own and prints the CPU seconds of everything
# it started, Chromium's renderers included (issue 17). `/usr/bin/time` counts only the
# processes their parents waited for: Playwright's driver never waits for Chromium, whose
# zygote reaps the renderers, so on the browser tests it reported about a third of the CPU.
#   bench/suite_cpu.sh .venv/bin/python -m pytest -n 2
# Needs root and cgroup v1's cpuacct (as on this machine); without them it runs the
# command and says the CPU could not be measured.
set -u
group="/sys/fs/cgroup/cpuacct/portal-suite-$$"
if ! mkdir "$group" 2>/dev/null; then
    echo "suite_cpu: no cpuacct cgroup here; running without the CPU total" >&2
    exec "$@"
fi
trap 'rmdir "$group" 2>/dev/null' EXIT
start=$(date +%s.%N)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
# A subshell moves itself into the group, then runs the command there: its children follow.
(echo "$BASHPID" >"$group/cgroup.procs" && exec "$@")
status=$?
end=$(date +%s.%N)
read -r user system < <(awk '{print $2}' "$group/cpuacct.stat" | paste -sd' ')
ticks=$(getconf CLK_TCK)
awk -v ns="$(cat "$group/cpuacct.usage")" -v u="$user" -v s="$system" -v t="$ticks" \
    -v wall="$(echo "$end - $start" | bc)" -v l0="$load_start" \
    -v l1="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN {
    printf "suite_cpu: wall %.1f s, CPU %.1f s (user %.1f, system %.1f); load average %s at start, %s at end\n",
        wall, ns / 1e9, u / t, s / t, l0, l1 }' >&2
exit "$status"
