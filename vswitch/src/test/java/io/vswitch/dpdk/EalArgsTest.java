package io.vswitch.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which runtime directory EAL makes for an argument list (the one {@link Eal#cleanup} removes), without DPDK. */
class EalArgsTest {
    @Test
    void theRuntimeDirectoryFollowsTheLastFilePrefix() {
        String base = "root".equals(System.getProperty("user.name")) ? "/var/run"
                : System.getenv().getOrDefault("XDG_RUNTIME_DIR", "/tmp");
        assertEquals(Path.of(base, "dpdk", "vswitch"), Eal.runtimeDir(List.of("vswitch", "--file-prefix", "vswitch")));
        assertEquals(Path.of(base, "dpdk", "b"), Eal.runtimeDir(List.of("x", "--file-prefix", "a", "--file-prefix=b")));
        assertEquals(Path.of(base, "dpdk", "rte"), Eal.runtimeDir(List.of("x", "--no-huge")));
    }

    @Test
    void aSecondaryProcessLeavesThePrimarysDirectoryAlone() {
        assertTrue(Eal.primary(List.of("x", "--file-prefix", "a")));
        assertTrue(Eal.primary(List.of("x", "--proc-type=primary")));
        assertFalse(Eal.primary(List.of("x", "--proc-type", "secondary")));
        assertFalse(Eal.primary(List.of("x", "--proc-type=auto")));
    }

    @Test
    void hugepageFilesAreLookedForWhereEalPutsThem() {
        assertEquals(List.of(), Eal.hugepageDirs(List.of("x", "--no-huge", "-m", "256")), "memfd memory: no files");
        assertEquals(List.of(Path.of("/mnt/h")), Eal.hugepageDirs(List.of("x", "--huge-dir", "/mnt/h")));
        assertEquals(List.of(Path.of("/mnt/h")), Eal.hugepageDirs(List.of("x", "--huge-dir=/mnt/h")));
    }

    @Test
    void onlyThisPrefixsHugepageFilesGo(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        for (String f : List.of("vsmap_0", "vsmap_12", "vs2map_0", "vsmap_xmap_0", "other")) {
            java.nio.file.Files.createFile(dir.resolve(f));
        }
        Eal.deleteHugepageFiles(List.of(dir), "vs");
        try (var s = java.nio.file.Files.list(dir)) {
            assertEquals(List.of("other", "vs2map_0", "vsmap_xmap_0"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }
}
