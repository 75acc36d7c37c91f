package io.vswitch.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The switch's start-up line about packet capture says what dpdk-dumpcap needs: the command with
 * hugepages, and why not with --no-huge or --huge-unlink (the bench runs the switch with the
 * latter, and dumpcap then fails with "EAL: Error allocating from heap").
 */
class PdumpNoteTest {
    @Test
    void theCaptureLineNamesTheCommandOrWhatStandsInItsWay() {
        assertEquals("packet capture: dpdk-dumpcap --file-prefix vs -i PORT -w FILE.pcapng",
                Pdump.note(List.of("vswitch", "--file-prefix", "vs"), "vs"));
        String memfd = Pdump.note(List.of("vswitch", "--no-huge", "-m", "512"), "vs");
        assertTrue(memfd.startsWith("packet capture: not with --no-huge"), memfd);
        String unlinked = Pdump.note(List.of("vswitch", "--file-prefix", "vs", "--huge-unlink"), "vs");
        assertTrue(unlinked.startsWith("packet capture: not with --huge-unlink"), unlinked);
        assertTrue(Pdump.note(List.of("vswitch", "--huge-unlink=always"), "vs").startsWith("packet capture: not with"));
    }
}
