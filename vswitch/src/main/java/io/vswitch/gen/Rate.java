package io.vswitch.gen;

/**
 * A target transmit rate as the user gave it: {@code max} (no pacing), packets per second, or a
 * bit rate. Bit rates come in two flavours:
 * <ul>
 * <li>{@link Kind#L2_BPS} ({@code Gbps}, {@code Mbps}, {@code kbps}, {@code bps}): Ethernet frame
 *     bits, FCS included: {@code pps = bps / (size * 8)}. This is what the reports call "L2 Gbps".
 * <li>{@link Kind#LINE_BPS} (same units with {@code -line}, e.g. {@code 10Gbps-line}):
 *     line-rate equivalent, adding 20 B of preamble, SFD and inter-frame gap per frame:
 *     {@code pps = bps / ((size + 20) * 8)}; 10Gbps-line at 64 B is 14.88 Mpps.
 * </ul>
 *
 * @param kind what {@code value} measures
 * @param value packets or bits per second; ignored for {@link Kind#MAX}
 */
public record Rate(Kind kind, double value) {
    /** What a {@link Rate}'s value counts. */
    public enum Kind {
        /** No pacing: send as fast as possible. */
        MAX,
        /** Packets per second. */
        PPS,
        /** L2 bits per second (frame incl. FCS). */
        L2_BPS,
        /** Line-rate-equivalent bits per second (frame + 20 B per frame). */
        LINE_BPS
    }

    /** Unpaced. */
    public static final Rate MAX = new Rate(Kind.MAX, 0);

    /** Checks the value. */
    public Rate {
        if (kind != Kind.MAX && !(value > 0 && Double.isFinite(value)))
            throw new IllegalArgumentException("rate must be a positive number, got " + value);
    }

    /** A packet rate. */
    public static Rate pps(double pps) {
        return new Rate(Kind.PPS, pps);
    }

    /** Whether this means "no pacing". */
    public boolean isMax() {
        return kind == Kind.MAX;
    }

    /**
     * Packets per second this rate means for frames averaging {@code avgFrameSize} bytes (FCS
     * included), or {@code Double.POSITIVE_INFINITY} for {@link Kind#MAX}.
     */
    public double toPps(double avgFrameSize) {
        return switch (kind) {
            case MAX -> Double.POSITIVE_INFINITY;
            case PPS -> value;
            case L2_BPS -> value / (avgFrameSize * 8);
            case LINE_BPS -> value / ((avgFrameSize + Frame.WIRE_OVERHEAD) * 8);
        };
    }

    /** L2 bits per second of {@code pps} frames of {@code avgFrameSize} bytes (FCS included). */
    public static double l2Bps(double pps, double avgFrameSize) {
        return pps * avgFrameSize * 8;
    }

    /** Line-rate-equivalent bits per second: frames plus 20 B each of preamble, SFD and gap. */
    public static double lineBps(double pps, double avgFrameSize) {
        return pps * (avgFrameSize + Frame.WIRE_OVERHEAD) * 8;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case MAX -> "max";
            case PPS -> value + "pps";
            case L2_BPS -> value + "bps";
            case LINE_BPS -> value + "bps-line";
        };
    }
}
