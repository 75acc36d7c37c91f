package io.vswitch.ctl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;

/**
 * Splits a byte stream into '\n'-terminated lines, never holding more than {@code maxLineBytes + 1}
 * bytes: a longer line is refused as soon as its first {@code maxLineBytes + 1} bytes have arrived,
 * without waiting for its end.
 */
final class LineReader {
    /** A line longer than the limit arrived; the stream is left mid-line. */
    static final class LineTooLongException extends IOException {
        LineTooLongException(int max) {
            super("request line longer than " + max + " bytes", null);
        }
    }

    private final ReadableByteChannel in;
    private final int max;
    private byte[] buf;
    private int start;
    private int end;
    private int scanned;

    LineReader(ReadableByteChannel in, int maxLineBytes) {
        this.in = in;
        this.max = maxLineBytes;
        this.buf = new byte[Math.min(8192, maxLineBytes + 1)];
    }

    /**
     * The next line without its '\n', or null at the end of the stream. A last line without '\n' is
     * returned as a line.
     *
     * @throws LineTooLongException when a line has more than {@code maxLineBytes} bytes
     */
    byte[] next() throws IOException {
        while (true) {
            for (int i = scanned; i < end; i++) {
                if (buf[i] == '\n') {
                    byte[] line = Arrays.copyOfRange(buf, start, i);
                    start = i + 1;
                    scanned = start;
                    return line;
                }
            }
            scanned = end;
            if (end - start > max) {
                throw new LineTooLongException(max);
            }
            if (start > 0) {
                System.arraycopy(buf, start, buf, 0, end - start);
                end -= start;
                scanned -= start;
                start = 0;
            }
            if (end == buf.length) { // full and below the limit, so buf.length <= max
                buf = Arrays.copyOf(buf, (int) Math.min(2L * buf.length, max + 1L));
            }
            int n = in.read(ByteBuffer.wrap(buf, end, buf.length - end));
            if (n < 0) {
                if (end > start) {
                    byte[] line = Arrays.copyOfRange(buf, start, end);
                    start = end;
                    scanned = end;
                    return line;
                }
                return null;
            }
            end += n;
        }
    }

    /** The buffer's current capacity (for tests: it never exceeds maxLineBytes + 1). */
    int capacity() {
        return buf.length;
    }
}
