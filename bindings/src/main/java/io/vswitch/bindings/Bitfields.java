package io.vswitch.bindings;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Reads a C bit-field (little-endian bit numbering, as gcc lays them out on x86-64). */
public final class Bitfields {
    private Bitfields() {}

    /** The unsigned value of the {@code width} bits starting at bit {@code bitOffset} of {@code struct}. */
    public static long get(MemorySegment struct, long bitOffset, int width) {
        long value = 0;
        for (int i = 0; i < width; i++) {
            long bit = bitOffset + i;
            int b = struct.get(ValueLayout.JAVA_BYTE, bit >>> 3) & 0xff;
            value |= (long) ((b >>> (bit & 7)) & 1) << i;
        }
        return value;
    }
}
