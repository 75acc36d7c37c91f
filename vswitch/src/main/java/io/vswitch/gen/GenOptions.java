package io.vswitch.gen;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Parsing of the generator's option values that needs no DPDK. Every method throws
 * {@link IllegalArgumentException} with a message meant for the user (it names the option and
 * the accepted forms). The nested picocli converters turn those into
 * {@link CommandLine.TypeConversionException}s so picocli prints the message as is.
 *
 * <ul>
 * <li>{@code --size}: {@code 64}; a comma list {@code 64,128,1518} (one run per entry); {@code imix}
 *     (7:4:1 of 64/576/1500 B, see {@link SizeMix#IMIX}). Sizes are frame sizes incl. FCS,
 *     64..1518.
 * <li>{@code --rate}: {@code max}; {@code 10000pps}, {@code 500kpps}, {@code 1.5Mpps}; {@code 10Gbps},
 *     {@code 2.5Gbps}, {@code 800Mbps}, {@code 100kbps} (L2 bits: frames incl. FCS); a {@code -line}
 *     suffix ({@code 10Gbps-line}) for line-rate-equivalent bits (+20 B/frame). Units are
 *     case-insensitive; a bare number is rejected (say pps or Gbps).
 * <li>{@code --flows}: 1..{@value FlowTable#MAX_FLOWS}.
 * <li>{@code --duration} / {@code --warmup}: seconds, as {@code 10}, {@code 2.5}, {@code 10s} or
 *     {@code 500ms}; duration &gt; 0, warm-up &ge; 0.
 * </ul>
 */
public final class GenOptions {
    private GenOptions() {}

    private static final Pattern RATE = Pattern.compile("([0-9]+(?:\\.[0-9]*)?(?:[eE][+-]?[0-9]+)?)\\s*([kmg]?)(pps|bps)(-line)?");
    private static final Pattern SECONDS = Pattern.compile("([0-9]+(?:\\.[0-9]*)?)\\s*(s|ms)?");

    /**
     * Parses {@code --size}: one entry per run. Each entry is a single size or {@code imix}.
     */
    public static List<SizeMix> parseSizes(String s) {
        if (s == null || s.isBlank()) throw new IllegalArgumentException("--size: empty; give e.g. 64, 64,128,1518 or imix");
        List<SizeMix> out = new ArrayList<>();
        for (String part : s.split(",", -1)) {
            String p = part.strip().toLowerCase(Locale.ROOT);
            if (p.isEmpty()) throw new IllegalArgumentException("--size: empty entry in '" + s + "'");
            if (p.equals("imix")) {
                out.add(SizeMix.IMIX);
                continue;
            }
            int v;
            try {
                v = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--size: '" + part.strip() + "' is not a frame size; give bytes (64..1518) or imix");
            }
            if (v < Frame.MIN_SIZE || v > Frame.MAX_SIZE)
                throw new IllegalArgumentException("--size: " + v + " is out of range; frame sizes are " + Frame.MIN_SIZE + ".."
                        + Frame.MAX_SIZE + " bytes including the 4-byte FCS");
            out.add(SizeMix.fixed(v));
        }
        return List.copyOf(out);
    }

    /** Parses {@code --rate}. */
    public static Rate parseRate(String s) {
        if (s == null || s.isBlank()) throw new IllegalArgumentException("--rate: empty; give max, e.g. 1.5Mpps, 500kpps or 10Gbps");
        String p = s.strip().toLowerCase(Locale.ROOT);
        if (p.equals("max")) return Rate.MAX;
        Matcher m = RATE.matcher(p);
        if (!m.matches())
            throw new IllegalArgumentException("--rate: cannot read '" + s.strip()
                    + "'; give max, a packet rate (10000pps, 500kpps, 1.5Mpps) or a bit rate (10Gbps, 800Mbps; add -line for +20 B/frame)");
        double v = Double.parseDouble(m.group(1));
        double mult = switch (m.group(2)) {
            case "k" -> 1e3;
            case "m" -> 1e6;
            case "g" -> 1e9;
            default -> 1;
        };
        boolean pps = m.group(3).equals("pps");
        if (pps && m.group(4) != null) throw new IllegalArgumentException("--rate: -line applies to bit rates only, not '" + s.strip() + "'");
        double value = v * mult;
        if (!(value > 0) || !Double.isFinite(value)) throw new IllegalArgumentException("--rate: must be above zero, got '" + s.strip() + "'");
        if (pps && value > 1e9) throw new IllegalArgumentException("--rate: " + s.strip() + " is beyond any port; at most 1Gpps");
        if (!pps && value > 1e12) throw new IllegalArgumentException("--rate: " + s.strip() + " is beyond any port; at most 1000Gbps");
        return new Rate(pps ? Rate.Kind.PPS : m.group(4) != null ? Rate.Kind.LINE_BPS : Rate.Kind.L2_BPS, value);
    }

    /** Parses {@code --flows}. */
    public static int parseFlows(String s) {
        int n;
        try {
            n = Integer.parseInt(s == null ? "" : s.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--flows: '" + s + "' is not a whole number");
        }
        if (n < 1 || n > FlowTable.MAX_FLOWS)
            throw new IllegalArgumentException("--flows: " + n + " is out of range 1.." + FlowTable.MAX_FLOWS);
        return n;
    }

    /** Parses {@code --duration}: seconds, &gt; 0, at most a day. */
    public static double parseDuration(String s) {
        double v = seconds("--duration", s);
        if (v <= 0) throw new IllegalArgumentException("--duration: must be above zero seconds, got '" + s.strip() + "'");
        return v;
    }

    /** Parses {@code --warmup}: seconds, &ge; 0, at most a day. */
    public static double parseWarmup(String s) {
        return seconds("--warmup", s);
    }

    private static double seconds(String opt, String s) {
        if (s == null || s.isBlank()) throw new IllegalArgumentException(opt + ": empty; give seconds, e.g. 10, 2.5, 10s or 500ms");
        Matcher m = SECONDS.matcher(s.strip().toLowerCase(Locale.ROOT));
        if (!m.matches())
            throw new IllegalArgumentException(opt + ": cannot read '" + s.strip() + "'; give seconds, e.g. 10, 2.5, 10s or 500ms");
        double v = Double.parseDouble(m.group(1));
        if ("ms".equals(m.group(2))) v /= 1000;
        if (v > 86400) throw new IllegalArgumentException(opt + ": " + s.strip() + " is longer than a day");
        return v;
    }

    /** picocli converter for {@code --size}. */
    public static final class SizesConverter implements CommandLine.ITypeConverter<List<SizeMix>> {
        @Override
        public List<SizeMix> convert(String value) {
            return wrap(() -> parseSizes(value));
        }
    }

    /** picocli converter for {@code --rate}. */
    public static final class RateConverter implements CommandLine.ITypeConverter<Rate> {
        @Override
        public Rate convert(String value) {
            return wrap(() -> parseRate(value));
        }
    }

    /** picocli converter for {@code --flows}. */
    public static final class FlowsConverter implements CommandLine.ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return wrap(() -> parseFlows(value));
        }
    }

    /** picocli converter for {@code --duration}. */
    public static final class DurationConverter implements CommandLine.ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            return wrap(() -> parseDuration(value));
        }
    }

    /** picocli converter for {@code --warmup}. */
    public static final class WarmupConverter implements CommandLine.ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            return wrap(() -> parseWarmup(value));
        }
    }

    private interface Parse<T> {
        T get();
    }

    private static <T> T wrap(Parse<T> p) {
        try {
            return p.get();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
