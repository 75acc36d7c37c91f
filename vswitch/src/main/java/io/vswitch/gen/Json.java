package io.vswitch.gen;

import java.math.BigDecimal;

/**
 * A minimal streaming JSON writer: objects, arrays, strings with full escaping, integers and
 * finite doubles (non-finite doubles become {@code null}). Commas are placed automatically.
 * Nesting depth up to 64. Not for the packet path: it builds strings.
 *
 * <pre>{@code
 * String s = new Json().beginObject().name("tx_pps").value(1.5e6).endObject().toString();
 * }</pre>
 */
public final class Json {
    private final StringBuilder sb = new StringBuilder();
    private final String indentUnit;
    private long hasElements; // bit d: the container at depth d already has an element
    private int depth;
    private boolean afterName;

    /** Compact output. */
    public Json() {
        this("");
    }

    /** Pretty output indented by {@code indentUnit} per level (e.g. two spaces); "" for compact. */
    public Json(String indentUnit) {
        this.indentUnit = indentUnit;
    }

    private void beforeValue() {
        if (afterName) {
            afterName = false;
            return;
        }
        separate();
    }

    private void separate() {
        if (depth > 0) {
            if ((hasElements & (1L << depth)) != 0) sb.append(',');
            hasElements |= 1L << depth;
            newline();
        }
    }

    private void newline() {
        if (!indentUnit.isEmpty()) {
            sb.append('\n');
            for (int i = 0; i < depth; i++) sb.append(indentUnit);
        }
    }

    private Json open(char c) {
        beforeValue();
        if (depth >= 63) throw new IllegalStateException("JSON nested too deeply");
        sb.append(c);
        depth++;
        hasElements &= ~(1L << depth);
        return this;
    }

    private Json close(char c) {
        if (depth == 0 || afterName) throw new IllegalStateException("unbalanced JSON");
        boolean any = (hasElements & (1L << depth)) != 0;
        depth--;
        if (any) newline();
        sb.append(c);
        return this;
    }

    /** Starts an object. */
    public Json beginObject() { return open('{'); }
    /** Ends an object. */
    public Json endObject() { return close('}'); }
    /** Starts an array. */
    public Json beginArray() { return open('['); }
    /** Ends an array. */
    public Json endArray() { return close(']'); }

    /** Writes a member name; the next call writes its value. */
    public Json name(String name) {
        if (afterName) throw new IllegalStateException("name after name");
        separate();
        quote(sb, name);
        sb.append(indentUnit.isEmpty() ? ":" : ": ");
        afterName = true;
        return this;
    }

    /** A string value, or null. */
    public Json value(String s) {
        beforeValue();
        if (s == null) sb.append("null");
        else quote(sb, s);
        return this;
    }

    /** An integer value. */
    public Json value(long v) {
        beforeValue();
        sb.append(v);
        return this;
    }

    /** A number; NaN and infinities are written as {@code null}. */
    public Json value(double v) {
        beforeValue();
        sb.append(number(v));
        return this;
    }

    /** A boolean value. */
    public Json value(boolean v) {
        beforeValue();
        sb.append(v);
        return this;
    }

    /** A null value. */
    public Json nullValue() {
        beforeValue();
        sb.append("null");
        return this;
    }

    /** Shorthand for {@code name(n).value(v)}. */
    public Json field(String n, String v) { return name(n).value(v); }
    /** Shorthand for {@code name(n).value(v)}. */
    public Json field(String n, long v) { return name(n).value(v); }
    /** Shorthand for {@code name(n).value(v)}. */
    public Json field(String n, double v) { return name(n).value(v); }
    /** Shorthand for {@code name(n).value(v)}. */
    public Json field(String n, boolean v) { return name(n).value(v); }

    /** The document written so far. */
    @Override
    public String toString() {
        return sb.toString();
    }

    /** A JSON number for {@code v} in plain notation, or {@code null} if it is not finite. */
    public static String number(double v) {
        if (!Double.isFinite(v)) return "null";
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    /** Appends {@code s} as a quoted JSON string, escaping quotes, backslashes and control characters. */
    public static void quote(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        out.append('"');
    }

    /** {@code s} as a quoted JSON string. */
    public static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2);
        quote(b, s);
        return b.toString();
    }
}
