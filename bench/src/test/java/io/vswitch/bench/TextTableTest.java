package io.vswitch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Column alignment of the text tables. */
class TextTableTest {
    @Test
    void leftColumnsLeftNumbersRight() {
        TextTable t = new TextTable(1, List.of("name", "a", "bb")).row(List.of("x", "1", "22")).row(List.of("longer", "333", "4"));
        assertEquals("""
                name   |   a  bb
                -------+--------
                x      |   1  22
                longer | 333   4
                """, t.toString());
        assertEquals(2, t.rowCount());
    }

    @Test
    void rowsMustMatchTheHeader() {
        TextTable t = new TextTable(1, List.of("a", "b"));
        assertThrows(IllegalArgumentException.class, () -> t.row(List.of("1")));
    }
}
