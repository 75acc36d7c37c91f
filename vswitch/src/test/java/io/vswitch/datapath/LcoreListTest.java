package io.vswitch.datapath;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LcoreListTest {
    @Test
    void parsesNumbersRangesAndLists() {
        assertArrayEquals(new int[] {1}, LcoreList.parse("1"));
        assertArrayEquals(new int[] {2, 3}, LcoreList.parse("2-3"));
        assertArrayEquals(new int[] {0, 2, 4, 5}, LcoreList.parse("0,2,4-5"));
        assertArrayEquals(new int[] {0, 1}, LcoreList.parse("0-1"));
        assertArrayEquals(new int[] {7}, LcoreList.parse("7-7"));
        assertArrayEquals(new int[] {1, 2, 3}, LcoreList.parse("3,1-2,2"), "sorted, overlaps merged");
        assertArrayEquals(new int[] {0, 1, 8}, LcoreList.parse(" 8 , 0 - 1 "), "blanks around items are fine");
        assertArrayEquals(new int[] {1023}, LcoreList.parse("1023"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "3-1     | --lcores: '3-1' is not a CPU range (low-high): did you mean 1-3?",
        "a       | --lcores: 'a' is not a CPU number or range (write e.g. 1, 0-1 or 0,2,4-5)",
        "1,x-3   | --lcores: 'x-3' is not a CPU number or range (write e.g. 1, 0-1 or 0,2,4-5)",
        "-1      | --lcores: '-1' is not a CPU number or range (CPUs are numbered from 0; a range is low-high)",
        "2-      | --lcores: '2-' is not a CPU number or range (CPUs are numbered from 0; a range is low-high)",
        "1-2-3   | --lcores: '1-2-3' is not a CPU number or range (write e.g. 1, 0-1 or 0,2,4-5)",
        "1,,2    | --lcores: '1,,2' has an empty item (write e.g. 0,2,4-5)",
        "1,      | --lcores: '1,' has an empty item (write e.g. 0,2,4-5)",
        "1024    | --lcores: CPU 1024 in '1024' is out of range (0-1023)",
        "0-99999 | --lcores: CPU 99999 in '0-99999' is out of range (0-1023)",
        "+1      | --lcores: '+1' is not a CPU number or range (write e.g. 1, 0-1 or 0,2,4-5)",
    })
    void rejectsBadListsWithAMessageUsersCanAct(String spec, String message) {
        var e = assertThrows(IllegalArgumentException.class, () -> LcoreList.parse(spec));
        assertEquals(message, e.getMessage());
    }

    @Test
    void rejectsEmptyLists() {
        for (String s : new String[] {"", "  ", null}) {
            var e = assertThrows(IllegalArgumentException.class, () -> LcoreList.parse(s));
            assertEquals("--lcores: empty CPU list (write e.g. 1, 0-1 or 0,2,4-5)", e.getMessage());
        }
    }

    @Test
    void formatMergesRunsAndRoundTrips() {
        assertEquals("0-2,5", LcoreList.format(new int[] {0, 1, 2, 5}));
        assertEquals("1", LcoreList.format(new int[] {1}));
        assertEquals("", LcoreList.format(new int[] {}));
        for (String s : new String[] {"0,2,4-5", "1-3", "0,7-9,11"}) {
            assertEquals(s, LcoreList.format(LcoreList.parse(s)));
        }
    }
}
