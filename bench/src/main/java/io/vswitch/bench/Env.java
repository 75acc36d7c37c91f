package io.vswitch.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The environment a result was measured in, for results.json: numbers mean little without it. */
public final class Env {
    private Env() {}

    /** CPU model, cores, DPDK version, JDK, git commit, hugepage size, kernel; "unknown" where not found. */
    public static Map<String, String> capture(Path root) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("cpu_model", cpuModel(read("/proc/cpuinfo")));
        m.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
        m.put("dpdk", dpdkVersion());
        m.put("jdk", System.getProperty("java.vm.vendor", "?") + " " + Runtime.version());
        m.put("git_commit", gitCommit(root));
        m.put("hugepage_size", meminfo(read("/proc/meminfo"), "Hugepagesize"));
        m.put("hugepages_total", meminfo(read("/proc/meminfo"), "HugePages_Total"));
        m.put("kernel", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        m.put("host", firstLine(run(List.of("hostname"), null)));
        m.put("loadavg_at_start", loadavg(read("/proc/loadavg")));
        m.put("kdamond_threads", Integer.toString(kdamonds(threadNames())));
        return m;
    }

    /** How many of these thread names are the kernel's DAMON monitor threads (kdamond.N). */
    static int kdamonds(List<String> comms) {
        int n = 0;
        for (String c : comms) {
            if (c.strip().startsWith("kdamond")) n++;
        }
        return n;
    }

    /**
     * A warning when the kernel's DAMON monitor runs: on the dev VM its kdamond thread took
     * 1.5-4.2 ms slices of the generator's CPU (perf sched, 6-13 a 6 s window), long enough to
     * set a latency run's p99.9 whatever the reflector does.
     */
    static String damonWarning(String kdamondThreads) {
        int n;
        try {
            n = Integer.parseInt(kdamondThreads);
        } catch (NumberFormatException e) {
            return null;
        }
        if (n == 0) return null;
        return "warning: the kernel's DAMON monitor is running (" + n + " kdamond thread" + (n > 1 ? "s" : "")
                + "): it takes millisecond slices of whichever CPU it lands on, which can decide p99.9 latency;"
                + " --pause-damon turns it off for the run and back on after it (root)";
    }

    /** The names (comm) of every process on the machine, kernel threads included. */
    private static List<String> threadNames() {
        List<String> out = new java.util.ArrayList<>();
        try (var d = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : d) {
                try {
                    out.add(Files.readString(p.resolve("comm")));
                } catch (IOException e) {
                    // gone meanwhile
                }
            }
        } catch (IOException e) {
            // no /proc: none known
        }
        return out;
    }

    /** The first "model name" of /proc/cpuinfo. */
    static String cpuModel(String cpuinfo) {
        for (String l : cpuinfo.split("\n")) {
            if (l.startsWith("model name")) {
                int c = l.indexOf(':');
                if (c > 0) return l.substring(c + 1).strip();
            }
        }
        return "unknown";
    }

    /** The 1-minute load average from /proc/loadavg, or "unknown". */
    static String loadavg(String procLoadavg) {
        String[] f = procLoadavg.strip().split("\\s+");
        return f.length > 0 && !f[0].isEmpty() ? f[0] : "unknown";
    }

    /**
     * A warning when the machine is already busy: a 1-minute load average above half a CPU
     * means another poll loop (or a build) is running, and every number will be low and noisy.
     */
    static String busyWarning(String loadavg, int cores) {
        double l;
        try {
            l = Double.parseDouble(loadavg);
        } catch (NumberFormatException e) {
            return null;
        }
        if (l <= 0.5) return null;
        return String.format(java.util.Locale.ROOT, "warning: load average %.2f on %d CPUs before the first start: something else is "
                + "running (see top); throughput will be low and noisy", l, cores);
    }

    /** A /proc/meminfo value with its unit, e.g. "2048 kB". */
    static String meminfo(String meminfo, String key) {
        for (String l : meminfo.split("\n")) {
            if (l.startsWith(key + ":")) return l.substring(key.length() + 1).strip();
        }
        return "unknown";
    }

    private static String dpdkVersion() {
        String v = firstLine(run(List.of("pkg-config", "--modversion", "libdpdk"), null));
        if (v.isEmpty()) v = firstLine(run(List.of("dpkg-query", "-W", "-f", "${Version}", "dpdk"), null));
        return v.isEmpty() ? "unknown" : v;
    }

    private static String gitCommit(Path root) {
        String c = firstLine(run(List.of("git", "rev-parse", "HEAD"), root));
        if (c.isEmpty()) return "unknown";
        String dirty = run(List.of("git", "status", "--porcelain", "--untracked-files=no"), root);
        return dirty.isBlank() ? c : c + "-dirty";
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }

    /** Runs a short command and returns its stdout, or "" if it fails. */
    static String run(List<String> cmd, Path dir) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
            if (dir != null) pb.directory(dir.toFile());
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "";
            }
            return p.exitValue() == 0 ? out : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }
}
