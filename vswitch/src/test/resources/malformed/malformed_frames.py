#!/usr/bin/python3
"""Writes a pcap of nasty Ethernet frames, made with Scapy (a tool outside the project),
for MalformedReplayTest to replay into the switch and the reflector through dpdk-testpmd.

Deterministic: the same --seed and --count give the same file, byte for byte.

    /usr/bin/python3 malformed_frames.py --out frames.pcap [--count 20000] [--seed 12] [--max-len 65535]

Frame kinds (the mix is printed at the end, one "kind count" per line):
  valid       well-formed IPv4/IPv6 + UDP/TCP/ICMP, untagged, 802.1Q, or QinQ (802.1ad + 802.1Q)
  truncated   a valid frame cut at a random length: inside the Ethernet header, a VLAN tag,
              the IP header, the UDP/TCP header, or the payload
  ip_len      IPv4 total length / IPv6 payload length wrong (0, too small, too large, 0xffff)
  ip_ihl      IPv4 IHL 0..15 (below 5, beyond the frame), wrong version nibble
  ip_opts     IPv4 with options (IHL 6..15), also cut inside the options
  ip_frag     IPv4 fragments (first, middle, last) whose L4 header is or is not there
  ip6_ext     IPv6 with extension headers (hop-by-hop, routing, fragment) before L4
  tcp_off     TCP data offset below 5 or past the frame
  vlan        802.1Q / QinQ / three tags / tags with no payload (the frame ends after a tag),
              priority tags (VID 0), VID 4095
  runt        1..59 B: random bytes, or a header cut short
  oversize    1519..9216 B, and 2 % of them up to --max-len (65535), valid headers: multi-segment
              mbufs in a 2 KB-mbuf pool (a 65535 B frame is 32 segments)
  random      random bytes of random length
  macs        valid frames whose MACs are broadcast, multicast (IPv4/IPv6 groups), or have a
              multicast source (a switch drops those)
"""
import argparse
import collections
import random
import struct
import sys

from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.inet6 import IPv6, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting
from scapy.layers.l2 import Dot1AD, Dot1Q, Ether
from scapy.packet import Raw
from scapy.utils import RawPcapWriter

MIN_ETH = 60          # without FCS
MAX_STD = 1518
JUMBO = 9216          # most oversize frames are at most this; a few go up to --max-len


def mac(rng, kind="unicast"):
    if kind == "broadcast":
        return "ff:ff:ff:ff:ff:ff"
    b = [rng.randrange(256) for _ in range(6)]
    if kind == "unicast":
        b[0] &= 0xFE
    elif kind == "multicast":
        b[0] |= 0x01
    elif kind == "ipv4mcast":
        b[:3] = [0x01, 0x00, 0x5E]
        b[3] &= 0x7F
    elif kind == "ipv6mcast":
        b[:2] = [0x33, 0x33]
    return ":".join("%02x" % x for x in b)


# a small population of unicast MACs, so that some destinations are sources seen before
# (the switch learns them: known unicast, hairpins) and some are not
POPULATION = []


def pop_mac(rng):
    return rng.choice(POPULATION)


def ipv4(rng):
    return "%d.%d.%d.%d" % (rng.choice([10, 192, 198, 203]), rng.randrange(256), rng.randrange(256), rng.randrange(1, 255))


def ipv6(rng):
    return "2001:db8:%x:%x::%x" % (rng.randrange(65536), rng.randrange(65536), rng.randrange(1, 65536))


def tags(rng, kind=None):
    """An L2 header: untagged, 802.1Q, QinQ, or three tags."""
    kind = kind or rng.choice(["none", "none", "none", "q", "qinq", "triple"])
    dst = pop_mac(rng) if rng.random() < 0.7 else mac(rng)
    src = pop_mac(rng)
    if kind == "none":
        return Ether(dst=dst, src=src)
    vid = lambda: rng.choice([0, 1, 10, 100, 4094, 4095, rng.randrange(4096)])
    if kind == "q":
        return Ether(dst=dst, src=src) / Dot1Q(vlan=vid(), prio=rng.randrange(8))
    if kind == "qinq":
        return Ether(dst=dst, src=src, type=0x88A8) / Dot1AD(vlan=vid()) / Dot1Q(vlan=vid())
    return Ether(dst=dst, src=src, type=0x88A8) / Dot1AD(vlan=vid()) / Dot1Q(vlan=vid()) / Dot1Q(vlan=vid())


def payload(rng, n):
    return Raw(bytes(rng.randrange(256) for _ in range(n)))


def l4(rng, v6=False):
    k = rng.choice(["udp", "udp", "tcp", "tcp", "icmp", "other"])
    if k == "udp":
        return UDP(sport=rng.randrange(65536), dport=rng.randrange(65536))
    if k == "tcp":
        return TCP(sport=rng.randrange(65536), dport=rng.randrange(65536), flags=rng.choice(["S", "SA", "A", "PA", "R"]))
    if k == "icmp":
        return ICMP() if not v6 else Raw(b"\x80\x00\x00\x00\x00\x01\x00\x01")
    return Raw(bytes([rng.randrange(256) for _ in range(8)]))


def valid(rng, l2=None, size=None):
    """A well-formed frame (Scapy fills lengths and checksums)."""
    l2 = l2 if l2 is not None else tags(rng)
    if rng.random() < 0.6:
        p = l2 / IP(src=ipv4(rng), dst=ipv4(rng), ttl=rng.randrange(1, 256)) / l4(rng)
    else:
        p = l2 / IPv6(src=ipv6(rng), dst=ipv6(rng), hlim=rng.randrange(1, 256)) / l4(rng, v6=True)
    raw = bytes(p)
    target = size if size is not None else rng.choice([MIN_ETH, 64, 128, 256, 512, 1024, MAX_STD, len(raw) + rng.randrange(0, 64)])
    if target > len(raw):
        # grow the payload and rebuild so lengths and checksums stay right
        p = p / payload(rng, target - len(raw))
        raw = bytes(p)
    return raw


def set_ip_field(raw, l3, fmt, off, value):
    b = bytearray(raw)
    struct.pack_into(fmt, b, l3 + off, value)
    return bytes(b)


def l3_offset(raw):
    off, t = 12, struct.unpack_from("!H", raw, 12)[0]
    while t in (0x8100, 0x88A8, 0x9100) and off + 6 <= len(raw):
        off += 4
        t = struct.unpack_from("!H", raw, off)[0]
    return off + 2, t


def k_truncated(rng):
    raw = valid(rng)
    l3, _ = l3_offset(raw)
    cut = rng.choice([rng.randrange(1, 14), rng.randrange(13, l3 + 1), l3 + rng.randrange(0, 40),
                      l3 + rng.randrange(20, 70), rng.randrange(1, len(raw))])
    return raw[:max(1, min(cut, len(raw) - 1))]


def k_ip_len(rng):
    l2 = tags(rng)
    if rng.random() < 0.6:
        raw = bytes(l2 / IP(src=ipv4(rng), dst=ipv4(rng)) / l4(rng) / payload(rng, rng.randrange(0, 100)))
        l3, _ = l3_offset(raw)
        v = rng.choice([0, 1, 19, 20, 21, len(raw) - l3 - 1, len(raw) - l3 + 1, len(raw) - l3 + 1000, 0xFFFF])
        return set_ip_field(raw, l3, "!H", 2, v)
    raw = bytes(l2 / IPv6(src=ipv6(rng), dst=ipv6(rng)) / l4(rng, True) / payload(rng, rng.randrange(0, 100)))
    l3, _ = l3_offset(raw)
    return set_ip_field(raw, l3, "!H", 4, rng.choice([0, 1, 7, 8, 0xFFFF, len(raw)]))


def k_ip_ihl(rng):
    raw = valid(rng, size=rng.choice([MIN_ETH, 80, 128]))
    l3, t = l3_offset(raw)
    if l3 >= len(raw):
        return raw
    version = rng.choice([4, 4, 4, 6, 0, 5, 15])
    ihl = rng.randrange(16)
    return set_ip_field(raw, l3, "!B", 0, (version << 4) | ihl)


def k_ip_opts(rng):
    n = rng.randrange(1, 11) * 4                     # IHL 6..15
    opts = bytes([rng.choice([0x01, 0x07, 0x44, 0x94, 0x83, 0x00])]) + bytes(rng.randrange(256) for _ in range(n - 1))
    p = tags(rng) / IP(src=ipv4(rng), dst=ipv4(rng), options=[]) / l4(rng)
    raw = bytes(p)
    l3, _ = l3_offset(raw)
    b = bytearray(raw[:l3 + 20] + opts + raw[l3 + 20:])
    b[l3] = 0x40 | ((20 + n) // 4)
    struct.pack_into("!H", b, l3 + 2, len(b) - l3)
    raw = bytes(b)
    if rng.random() < 0.3:
        raw = raw[:rng.randrange(l3 + 20, l3 + 20 + n + 8)]
    return raw


def k_ip_frag(rng):
    p = tags(rng) / IP(src=ipv4(rng), dst=ipv4(rng), flags=rng.choice([0, 1]),
                       frag=rng.choice([0, 1, 185, 8191])) / l4(rng) / payload(rng, rng.randrange(0, 64))
    raw = bytes(p)
    if rng.random() < 0.3:
        l3, _ = l3_offset(raw)
        raw = raw[:min(len(raw), l3 + 20 + rng.randrange(0, 8))]
    return raw


def k_ip6_ext(rng):
    ext = rng.choice([IPv6ExtHdrHopByHop(), IPv6ExtHdrRouting(), IPv6ExtHdrFragment(offset=rng.randrange(8192)),
                      IPv6ExtHdrHopByHop() / IPv6ExtHdrFragment()])
    raw = bytes(tags(rng) / IPv6(src=ipv6(rng), dst=ipv6(rng)) / ext / l4(rng, True) / payload(rng, rng.randrange(0, 40)))
    if rng.random() < 0.3:
        raw = raw[:rng.randrange(14, len(raw))]
    return raw


def k_tcp_off(rng):
    v6 = rng.random() < 0.4
    l3p = IPv6(src=ipv6(rng), dst=ipv6(rng)) if v6 else IP(src=ipv4(rng), dst=ipv4(rng))
    raw = bytes(tags(rng) / l3p / TCP(sport=rng.randrange(65536), dport=rng.randrange(65536), dataofs=rng.randrange(16))
                / payload(rng, rng.randrange(0, 30)))
    if rng.random() < 0.3:
        l3, _ = l3_offset(raw)
        raw = raw[:l3 + (40 if v6 else 20) + rng.randrange(0, 20)]
    return raw


def k_vlan(rng):
    dst, src = (pop_mac(rng), pop_mac(rng))
    k = rng.randrange(7)
    vid = rng.choice([0, 1, 4094, 4095, rng.randrange(4096)])
    if k == 0:        # 802.1Q tag and nothing after it (18 B), or cut inside the tag
        return bytes(Ether(dst=dst, src=src) / Dot1Q(vlan=vid, type=rng.choice([0x0800, 0x86DD, 0x8100])))[:rng.choice([14, 15, 16, 17, 18])]
    if k == 1:        # QinQ, nothing after the inner tag (22 B), or cut inside either tag
        return bytes(Ether(dst=dst, src=src, type=0x88A8) / Dot1AD(vlan=vid) / Dot1Q(vlan=vid, type=0x0800))[:rng.randrange(14, 23)]
    if k == 2:        # four stacked tags of mixed TPIDs, then IPv4
        return bytes(Ether(dst=dst, src=src, type=0x8100) / Dot1Q(vlan=vid, type=0x88A8) / Dot1AD(vlan=vid)
                     / Dot1Q(vlan=vid) / Dot1Q(vlan=vid) / IP(src=ipv4(rng), dst=ipv4(rng)) / l4(rng))
    if k == 3:        # priority-tagged (VID 0) and VID 4095, padded
        return valid(rng, l2=Ether(dst=dst, src=src) / Dot1Q(vlan=rng.choice([0, 4095]), prio=7))
    if k == 4:        # 0x9100 (old QinQ TPID) outer: not a tag for us
        return bytes(Ether(dst=dst, src=src, type=0x9100) / Dot1Q(vlan=vid) / IP(src=ipv4(rng), dst=ipv4(rng)) / l4(rng))
    if k == 5:        # QinQ with IPv6 and a cut in the L4 header
        raw = valid(rng, l2=tags(rng, "qinq"), size=MIN_ETH)
        return raw[:rng.randrange(22, len(raw) + 1)]
    return valid(rng, l2=tags(rng, rng.choice(["q", "qinq", "triple"])))


def k_runt(rng):
    n = rng.randrange(1, MIN_ETH)
    if rng.random() < 0.5:
        return bytes(rng.randrange(256) for _ in range(n))
    raw = valid(rng, size=MIN_ETH)
    return raw[:n]


def k_oversize(rng, max_len):
    if rng.random() < 0.02:      # beyond jumbo, up to the largest frame (a pcap record holds 65535 B)
        size = rng.choice([9729, 16384, 32768, max_len, rng.randrange(JUMBO + 1, max_len + 1)])
    else:
        size = rng.choice([MAX_STD + 1, MAX_STD + 4, 1522, 2048, 2049, 2176, 4096, 9000, JUMBO, rng.randrange(MAX_STD + 1, JUMBO + 1)])
    return valid(rng, size=min(size, max_len))


def k_random(rng, max_len):
    n = rng.choice([rng.randrange(1, 100), rng.randrange(1, 1519), rng.randrange(1, min(JUMBO, max_len) + 1)])
    return bytes(rng.getrandbits(8) for _ in range(n))


def k_macs(rng):
    l2 = rng.randrange(4)
    if l2 == 0:
        e = Ether(dst="ff:ff:ff:ff:ff:ff", src=pop_mac(rng))
    elif l2 == 1:
        e = Ether(dst=mac(rng, rng.choice(["ipv4mcast", "ipv6mcast", "multicast"])), src=pop_mac(rng))
    elif l2 == 2:
        e = Ether(dst=pop_mac(rng), src=mac(rng, rng.choice(["multicast", "broadcast"])))
    else:
        e = Ether(dst=pop_mac(rng), src=pop_mac(rng))
    return valid(rng, l2=e)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=20000, help="distinct frames (default 20000)")
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--max-len", type=int, default=65535, help="largest frame (default 65535, what a pcap record and the"
                    " virtio-user -> vhost path carry)")
    a = ap.parse_args()
    if a.max_len < 1519 or a.max_len > 65535:
        sys.exit("--max-len must be 1519..65535")
    rng = random.Random(a.seed)
    POPULATION[:] = [mac(rng) for _ in range(64)]
    kinds = [("valid", 12, valid), ("truncated", 14, k_truncated), ("ip_len", 7, k_ip_len), ("ip_ihl", 7, k_ip_ihl),
             ("ip_opts", 6, k_ip_opts), ("ip_frag", 5, k_ip_frag), ("ip6_ext", 5, k_ip6_ext), ("tcp_off", 5, k_tcp_off),
             ("vlan", 12, k_vlan), ("runt", 10, k_runt), ("oversize", 3, lambda r: k_oversize(r, a.max_len)),
             ("random", 6, lambda r: k_random(r, a.max_len)), ("macs", 8, k_macs)]
    names = [k[0] for k in kinds]
    weights = [k[1] for k in kinds]
    fns = dict((k[0], k[2]) for k in kinds)
    mix = collections.Counter()
    w = RawPcapWriter(a.out, linktype=1, snaplen=65535, sync=False)
    w._write_header(None)
    for i in range(a.count):
        # the first frames cover every kind once, whatever the count
        name = names[i] if i < len(names) else rng.choices(names, weights)[0]
        raw = fns[name](rng)
        if not 1 <= len(raw) <= a.max_len:
            raw = raw[:a.max_len] or b"\x00"
        mix[name] += 1
        w.write_packet(raw, sec=i // 1000000, usec=i % 1000000)
    w.close()
    for name in names:
        print(name, mix[name])


if __name__ == "__main__":
    main()
