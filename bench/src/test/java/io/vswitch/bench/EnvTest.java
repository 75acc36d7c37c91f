package io.vswitch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The environment fields of results.json. */
class EnvTest {
    @Test
    void cpuModelFromCpuinfo() {
        String cpuinfo = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\nflags\t: fpu\n\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13\n";
        assertEquals("AMD EPYC 7B13", Env.cpuModel(cpuinfo));
        assertEquals("unknown", Env.cpuModel("processor : 0\n"));
    }

    @Test
    void hugepageSizeFromMeminfo() {
        String meminfo = "MemTotal:       24684132 kB\nHugePages_Total:    1024\nHugepagesize:       2048 kB\n";
        assertEquals("2048 kB", Env.meminfo(meminfo, "Hugepagesize"));
        assertEquals("1024", Env.meminfo(meminfo, "HugePages_Total"));
        assertEquals("unknown", Env.meminfo(meminfo, "Hugetlb"));
    }

    @Test
    void loadAverage() {
        assertEquals("7.43", Env.loadavg("7.43 5.24 3.06 2/86 27147\n"));
        assertEquals("unknown", Env.loadavg(""));
        assertEquals(null, Env.busyWarning("0.10", 2));
        assertEquals(null, Env.busyWarning("unknown", 2));
        String w = Env.busyWarning("7.43", 2);
        assertTrue(w.startsWith("warning: load average 7.43 on 2 CPUs"), w);
    }

    @Test
    void damonMonitorThreadsAreCountedAndWarnedAbout() {
        assertEquals(2, Env.kdamonds(List.of("kdamond.0\n", "bash\n", "kdamond.1", "kworker/0:1")));
        assertEquals(0, Env.kdamonds(List.of("systemd", "damon-helper")));
        assertEquals(null, Env.damonWarning("0"));
        assertEquals(null, Env.damonWarning("unknown"));
        String w = Env.damonWarning("1");
        assertTrue(w.startsWith("warning: the kernel's DAMON monitor is running (1 kdamond thread)"), w);
        assertTrue(w.contains("p99.9") && w.contains("--pause-damon"), w);
    }

    @Test
    void captureHasEveryField() {
        Map<String, String> e = Env.capture(Path.of("."));
        for (String k : List.of("cpu_model", "cores", "dpdk", "jdk", "git_commit", "hugepage_size", "kernel", "loadavg_at_start", "kdamond_threads"))
            assertTrue(e.containsKey(k) && !e.get(k).isBlank(), k);
        assertEquals(Integer.toString(Runtime.getRuntime().availableProcessors()), e.get("cores"));
        assertTrue(e.get("jdk").contains(Integer.toString(Runtime.version().feature())));
    }

    @Test
    void failingCommandsGiveEmptyOutput() {
        assertEquals("", Env.run(List.of("false"), null));
        assertEquals("", Env.run(List.of("/no/such/binary"), null));
        assertFalse(Env.run(List.of("echo", "hi"), null).isEmpty());
    }
}
