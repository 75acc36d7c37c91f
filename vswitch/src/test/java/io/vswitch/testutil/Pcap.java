package io.vswitch.testutil;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Classic libpcap files (Ethernet link type, microsecond timestamps), read and written
 * record by record so a file of a million frames never sits in memory.
 *
 * <pre>
 *   file:   [global header 24 B][record][record]...
 *   record: [ts_sec 4][ts_usec 4][caplen 4][len 4][caplen bytes]
 * </pre>
 *
 * A record's {@code len} is the frame's length on the wire, {@code caplen} what the file
 * holds of it (net_pcap's tx writes at most 9728 B of a multi-segment frame).
 */
public final class Pcap {
    private Pcap() {}

    private static final int MAGIC_US = 0xa1b2c3d4;
    private static final int MAGIC_NS = 0xa1b23c4d;

    /** One record: the bytes held ({@code data.length} = caplen) and the frame's length. */
    public record Frame(byte[] data, int wireLen) {}

    /** A record-by-record reader. */
    public static final class Reader implements AutoCloseable {
        private final DataInputStream in;
        private final ByteOrder order;
        private final byte[] hdr = new byte[16];

        public Reader(Path file) throws IOException {
            InputStream raw = Files.newInputStream(file);
            this.in = new DataInputStream(new BufferedInputStream(raw, 1 << 20));
            byte[] g = new byte[24];
            in.readFully(g);
            int le = ByteBuffer.wrap(g).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
            int be = ByteBuffer.wrap(g).order(ByteOrder.BIG_ENDIAN).getInt(0);
            if (le == MAGIC_US || le == MAGIC_NS) {
                order = ByteOrder.LITTLE_ENDIAN;
            } else if (be == MAGIC_US || be == MAGIC_NS) {
                order = ByteOrder.BIG_ENDIAN;
            } else {
                in.close();
                throw new IOException(file + ": not a pcap file (magic " + Integer.toHexString(le) + ")");
            }
            int linkType = ByteBuffer.wrap(g).order(order).getInt(20);
            if (linkType != 1) {
                in.close();
                throw new IOException(file + ": link type " + linkType + ", not Ethernet (1)");
            }
        }

        /** The next record, or null at the end of the file. */
        public Frame next() throws IOException {
            try {
                in.readFully(hdr, 0, 1);
            } catch (EOFException e) {
                return null;
            }
            in.readFully(hdr, 1, 15);
            ByteBuffer b = ByteBuffer.wrap(hdr).order(order);
            int caplen = b.getInt(8);
            int len = b.getInt(12);
            if (caplen < 0 || caplen > 1 << 18) {
                throw new IOException("pcap record with caplen " + caplen);
            }
            byte[] data = new byte[caplen];
            in.readFully(data);
            return new Frame(data, len);
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /** Every record's bytes (for small files). */
    public static List<byte[]> readAll(Path file) throws IOException {
        List<byte[]> out = new ArrayList<>();
        try (Reader r = new Reader(file)) {
            for (Frame f = r.next(); f != null; f = r.next()) {
                out.add(f.data());
            }
        }
        return out;
    }

    /** A record-by-record writer (little-endian, microseconds, snaplen 65535). */
    public static final class Writer implements AutoCloseable {
        private final OutputStream out;
        private final ByteBuffer hdr = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        private long n;

        public Writer(Path file) throws IOException {
            this.out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20);
            ByteBuffer g = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            g.putInt(MAGIC_US).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(1);
            out.write(g.array());
        }

        public void write(byte[] frame) throws IOException {
            hdr.clear();
            hdr.putInt((int) (n / 1_000_000)).putInt((int) (n % 1_000_000)).putInt(frame.length).putInt(frame.length);
            out.write(hdr.array());
            out.write(frame);
            n++;
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }
}
