package io.vswitch.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boots a real QEMU (TCG, 2 vCPUs, no NIC) and checks that each vCPU thread ends up on the
 * one host CPU it was given: the kernel's view (/proc/PID/task/TID/status) and sched_getaffinity.
 * The mapping is the reverse of the natural one so a no-op would not pass.
 */
class VcpuPinningTest {
    @TempDir Path dir;

    @Test
    void eachVcpuThreadIsPinnedToItsOwnHostCpu() throws Exception {
        int host = Runtime.getRuntime().availableProcessors();
        assertTrue(host >= 2, "this test needs 2 host CPUs, the JVM sees " + host);
        VmSpec s = new VmSpec();
        s.noNic = true;          // nothing to talk to; the guest init reports "no NIC" and powers off
        s.vcpus = 2;
        s.memoryMb = 256;
        s.memBackend = VmSpec.Memory.memfd;
        s.accel = VmSpec.Accel.tcg;
        s.pin = java.util.List.of(1, 0);
        s.runDir = dir;
        s.timeout = 120;
        try (GuestRun vm = GuestRun.start(s, System.out)) {
            Map<Integer, Long> threads = vm.vcpuThreads();
            assertEquals(2, threads.size(), "vCPU threads from QMP: " + threads);
            for (var e : threads.entrySet()) {
                int want = s.pin.get(e.getKey());
                long tid = e.getValue();
                Path status = Path.of("/proc", Long.toString(vm.pid()), "task", Long.toString(tid), "status");
                assertTrue(Files.exists(status), "vCPU " + e.getKey() + " thread " + tid + " is not a thread of QEMU " + vm.pid());
                String allowed = Files.readAllLines(status).stream()
                        .filter(l -> l.startsWith("Cpus_allowed_list:")).findFirst().orElseThrow()
                        .substring("Cpus_allowed_list:".length()).trim();
                assertEquals(Integer.toString(want), allowed, "vCPU " + e.getKey() + " thread " + tid + " Cpus_allowed_list");
                BitSet b = new BitSet();
                b.set(want);
                assertEquals(b, Affinity.get(tid), "sched_getaffinity of vCPU " + e.getKey());
            }
            assertEquals(Map.of(0, 1, 1, 0), vm.pinning());
            // The guest runs after pinning (QEMU was started paused and continued): it boots and reports.
            GuestRun.Outcome o = vm.await();
            assertEquals(1, o.results().size(), "the guest ran after QMP cont and printed its result");
            assertEquals("fail", o.result().status(), "no NIC: the guest must say so: " + o.result().line());
        }
    }
}
