package io.vswitch.testutil;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A reader of pcapng files (draft-ietf-opsawg-pcapng) for checking what dpdk-dumpcap wrote:
 * the section header's byte order, interface description blocks (link type, {@code if_name}, {@code if_description}),
 * enhanced packet blocks (interface, captured bytes, original length, {@code epb_flags}
 * direction). Other blocks (interface statistics, name resolution, custom) are skipped, and a
 * file that breaks the block structure (a length that does not repeat, a block past the end)
 * is an IOException.
 *
 * <pre>
 *   block: [type 4][total length 4][body ...][total length 4], lengths multiples of 4
 *   SHB 0x0A0D0D0A: [byte-order magic 0x1A2B3C4D][major 2][minor 2][section length 8][options]
 *   IDB 0x00000001: [link type 2][reserved 2][snaplen 4][options: if_name = 2, ...]
 *   EPB 0x00000006: [interface 4][ts high 4][ts low 4][captured 4][original 4][data, padded][options: epb_flags = 2]
 * </pre>
 */
public final class PcapNg {
    private PcapNg() {}

    /** An interface: its link type (1 Ethernet), if_name and if_description (null when absent). */
    public record Interface(int linkType, String name, String description) {}

    /** A packet: its interface's index, the captured bytes, the length on the wire, its direction. */
    public record Packet(int iface, byte[] data, int origLen, Direction direction) {
        @Override
        public String toString() {
            return "Packet[if " + iface + ", " + data.length + "/" + origLen + " B, " + direction + "]";
        }
    }

    /** epb_flags bits 0-1. */
    public enum Direction { UNKNOWN, INBOUND, OUTBOUND, INVALID }

    /** What a file holds. */
    public record File(int major, int minor, List<Interface> interfaces, List<Packet> packets) {}

    private static final int SHB = 0x0A0D0D0A;
    private static final int IDB = 1;
    private static final int EPB = 6;
    private static final int SPB = 3;

    public static File read(Path path) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(path));
        if (b.remaining() < 28 || b.order(ByteOrder.LITTLE_ENDIAN).getInt(0) != SHB) {
            throw new IOException(path + ": not a pcapng file (no section header block first)");
        }
        int major = 0;
        int minor = 0;
        List<Interface> ifaces = new ArrayList<>();
        List<Packet> packets = new ArrayList<>();
        int pos = 0;
        while (pos < b.limit()) {
            if (b.limit() - pos < 12) {
                throw new IOException(path + ": " + (b.limit() - pos) + " trailing bytes at " + pos);
            }
            if (b.order(ByteOrder.LITTLE_ENDIAN).getInt(pos) == SHB) {
                int magic = b.getInt(pos + 8);
                if (magic == 0x1A2B3C4D) {
                    b.order(ByteOrder.LITTLE_ENDIAN);
                } else if (Integer.reverseBytes(magic) == 0x1A2B3C4D) {
                    b.order(ByteOrder.BIG_ENDIAN);
                } else {
                    throw new IOException(path + ": bad byte-order magic " + Integer.toHexString(magic) + " at " + pos);
                }
                major = Short.toUnsignedInt(b.getShort(pos + 12));
                minor = Short.toUnsignedInt(b.getShort(pos + 14));
                ifaces.clear();                               // interfaces are numbered per section
            }
            int type = b.getInt(pos);
            int len = b.getInt(pos + 4);
            if (len < 12 || len % 4 != 0 || pos + len > b.limit() || b.getInt(pos + len - 4) != len) {
                throw new IOException(path + ": block of type " + type + " at " + pos + " with a bad length " + len);
            }
            int body = pos + 8;
            int end = pos + len - 4;
            if (type == IDB) {
                int linkType = Short.toUnsignedInt(b.getShort(body));
                String name = null;
                String description = null;
                for (int[] o : options(b, body + 8, end)) {
                    if (o[0] == 2) {
                        name = new String(bytes(b, o[1], o[2]), StandardCharsets.UTF_8);
                    } else if (o[0] == 3) {
                        description = new String(bytes(b, o[1], o[2]), StandardCharsets.UTF_8);
                    }
                }
                ifaces.add(new Interface(linkType, name, description));
            } else if (type == EPB) {
                int iface = b.getInt(body);
                int cap = b.getInt(body + 12);
                int orig = b.getInt(body + 16);
                if (iface < 0 || iface >= ifaces.size()) {
                    throw new IOException(path + ": packet at " + pos + " on interface " + iface + " of " + ifaces.size());
                }
                if (cap < 0 || body + 20 + cap > end) {
                    throw new IOException(path + ": packet at " + pos + " with captured length " + cap);
                }
                Direction dir = Direction.UNKNOWN;
                for (int[] o : options(b, body + 20 + pad(cap), end)) {
                    if (o[0] == 2 && o[2] == 4) {
                        dir = Direction.values()[b.getInt(o[1]) & 3];
                    }
                }
                packets.add(new Packet(iface, bytes(b, body + 20, cap), orig, dir));
            } else if (type == SPB) {
                throw new IOException(path + ": simple packet blocks are not expected from dpdk-dumpcap");
            }
            pos += len;
        }
        return new File(major, minor, List.copyOf(ifaces), packets);
    }

    private static int pad(int n) {
        return (n + 3) & ~3;
    }

    private static byte[] bytes(ByteBuffer b, int at, int n) {
        return Arrays.copyOfRange(b.array(), at, at + n);
    }

    /** Options from {@code at} to {@code end}: {code, value offset, value length}, up to opt_endofopt. */
    private static List<int[]> options(ByteBuffer b, int at, int end) throws IOException {
        List<int[]> out = new ArrayList<>();
        while (at + 4 <= end) {
            int code = Short.toUnsignedInt(b.getShort(at));
            int len = Short.toUnsignedInt(b.getShort(at + 2));
            if (code == 0) {
                break;
            }
            if (at + 4 + len > end) {
                throw new IOException("option " + code + " of length " + len + " runs past its block");
            }
            out.add(new int[] {code, at + 4, len});
            at += 4 + pad(len);
        }
        return out;
    }
}
