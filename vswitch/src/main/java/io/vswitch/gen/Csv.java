package io.vswitch.gen;

import java.math.BigDecimal;
import java.util.List;

/**
 * RFC 4180 CSV formatting: fields containing a comma, double quote, CR or LF are quoted, with
 * inner quotes doubled; rows end in CRLF-free {@code \n} (what spreadsheet and pandas readers
 * accept). Doubles are written in plain notation (no exponent, integral values without a
 * fraction), empty when not finite.
 */
public final class Csv {
    private Csv() {}

    /** One field, quoted if it needs to be. */
    public static String field(Object v) {
        String s;
        if (v == null) s = "";
        else if (v instanceof Double d) s = Double.isFinite(d) ? number(d) : "";
        else if (v instanceof Float f) s = Float.isFinite(f) ? number(f) : "";
        else s = v.toString();
        boolean quote = false;
        for (int i = 0; i < s.length() && !quote; i++) {
            char c = s.charAt(i);
            quote = c == ',' || c == '"' || c == '\n' || c == '\r';
        }
        return quote ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }

    /** A finite {@code v} in plain notation: {@code 7}, {@code 0.005}, {@code 100000000000000000000}. */
    private static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    /** One row, fields joined by commas, ending in {@code \n}. */
    public static String row(List<?> fields) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) b.append(',');
            b.append(field(fields.get(i)));
        }
        return b.append('\n').toString();
    }
}
