# Sourced by vswitch-entrypoint and testpmd-pod: which CPUs this container may run on.
# Under the kubelet's CPU manager (static policy) a Guaranteed container with an integer
# CPU request gets exclusive CPUs, and its processes' affinity is exactly that cpuset.

# allowed_cpus: this process's CPU list as the kernel gives it (e.g. "2-3,6").
allowed_cpus() {
    sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status
}

# expand_cpus LIST: "2-3,6" -> "2 3 6" (one CPU number per word, ascending as given).
expand_cpus() {
    local item lo hi out=""
    local IFS=,
    for item in $1; do
        item="${item// /}"
        [ -n "$item" ] || continue
        if [[ "$item" == *-* ]]; then
            lo="${item%-*}"; hi="${item#*-}"
            while [ "$lo" -le "$hi" ]; do out="$out $lo"; lo=$((lo + 1)); done
        else
            out="$out $item"
        fi
    done
    echo "${out# }"
}

# join_cpus CPU...: "2 3 6" -> "2,3,6"
join_cpus() {
    local IFS=,
    echo "$*"
}

# pick_cpus LIMIT: the CPUs to use. With the static CPU manager policy the allowed list
# has exactly LIMIT CPUs. With more (the policy is "none": the shared pool), warn and take
# the last LIMIT of them, away from CPU 0 where the kernel's housekeeping lands.
pick_cpus() {
    local limit="$1" cpus n
    read -r -a cpus <<< "$(expand_cpus "$(allowed_cpus)")"
    n=${#cpus[@]}
    if [ -n "$limit" ] && [ "$limit" -gt 0 ] && [ "$n" -gt "$limit" ]; then
        echo "$(basename "$0"): warning: $n CPUs allowed but $limit requested: the kubelet's CPU manager is not" \
             "using the static policy (--cpu-manager-policy=static), so these CPUs are shared with other pods;" \
             "taking the last $limit" >&2
        cpus=("${cpus[@]: -$limit}")
    fi
    echo "${cpus[*]}"
}
