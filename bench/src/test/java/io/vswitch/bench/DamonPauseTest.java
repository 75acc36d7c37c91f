package io.vswitch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --pause-damon on a fake copy of the kernel's admin tree (the real one is the machine's, not a test's). */
class DamonPauseTest {
    @TempDir
    Path admin;

    private Path monitor(String n, String state) throws IOException {
        Path d = Files.createDirectories(admin.resolve(n));
        Files.createDirectories(d.resolve("contexts"));
        Files.writeString(d.resolve("state"), state + "\n");
        return d.resolve("state");
    }

    private static String state(Path p) throws IOException {
        return Files.readString(p).strip();
    }

    @Test
    void turnsOffWhatRunsAndBackOnOnlyThat() throws IOException {
        Path on0 = monitor("0", "on"), off1 = monitor("1", "off"), on2 = monitor("2", "on");
        Files.writeString(admin.resolve("nr_kdamonds"), "3\n");
        DamonPause p = DamonPause.pause(admin);
        assertEquals(2, p.count());
        assertEquals("off", state(on0));
        assertEquals("off", state(off1));
        assertEquals("off", state(on2));
        p.close();
        assertEquals("on", state(on0));
        assertEquals("off", state(off1), "was off before: stays off");
        assertEquals("on", state(on2));
        Files.writeString(on0, "off");
        p.close();                                   // once only: a second close changes nothing
        assertEquals("off", state(on0));
    }

    @Test
    void noMonitorsOrNoInterfaceIsNothingToDo() throws IOException {
        try (DamonPause p = DamonPause.pause(admin)) {
            assertEquals(0, p.count());
        }
        try (DamonPause p = DamonPause.pause(admin.resolve("missing"))) {
            assertEquals(0, p.count());
        }
    }

    @Test
    void onlyMonitorDirectoriesWithAStateFileCount() throws IOException {
        Path on0 = monitor("0", "on");
        Files.createDirectories(admin.resolve("1/state"));            // not a file: left alone
        Files.createDirectories(admin.resolve("2"));                  // no state at all
        Path other = Files.createDirectories(admin.resolve("x9"));    // not a monitor's name
        Files.writeString(other.resolve("state"), "on");
        try (DamonPause p = DamonPause.pause(admin)) {
            assertEquals(1, p.count());
            assertEquals("off", state(on0));
            assertEquals("on", state(other.resolve("state")));
        }
        assertEquals("on", state(on0));
    }
}
