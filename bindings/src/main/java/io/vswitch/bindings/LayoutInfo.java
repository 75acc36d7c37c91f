package io.vswitch.bindings;

import java.lang.foreign.GroupLayout;
import java.util.List;

/**
 * What the generator says about one struct: its Java layout, and for each field the
 * C member designator, the generated offset constant and the path to it in the layout.
 * The generated {@code LayoutRegistry} lists one per struct; LayoutTest checks each
 * against gcc's numbers.
 */
public record LayoutInfo(String name, GroupLayout layout, List<Field> fields, List<Bit> bitfields) {
    /** A byte-addressed field: {@code offset} is the generated {@code name$OFFSET} constant. */
    public record Field(String cName, long offset, List<String> path) {}

    /** A bit-field: the generated {@code name$BIT_OFFSET} / {@code name$BIT_WIDTH} constants. */
    public record Bit(String cName, long bitOffset, int bitWidth) {}
}
