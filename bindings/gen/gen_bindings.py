#!/usr/bin/python3
"""Generate vswitch's FFM bindings from the installed DPDK headers (and the shim's).

jextract cannot be installed on our machines, so this is a small, project-owned
stand-in that produces the same shape from the same source of truth, libclang:

  * one header class per library (bindings.json "headers"), with a holder class
    per function holding `static final` FunctionDescriptor / MethodHandle, and
    `name$descriptor()`, `name$handle()`, `name$address()` and a typed wrapper;
  * enum constants and selected macros as `public static final` constants;
  * one class per struct: `$LAYOUT` with named fields (padding where clang says
    there is a gap), `name$OFFSET` / `name$LAYOUT` constants and accessors,
    bit-field positions as `name$BIT_OFFSET` / `name$BIT_WIDTH`;
  * `LayoutRegistry`, the list of every struct and field, for the layout test;
  * native-shim/src/layout_probes.c: gcc's sizeof/alignof/offsetof (and bit
    positions) for the same fields, so a test can compare clang's layouts as
    rendered in Java with what the C compiler really does.

Usage (run with Debian's python, which sees python3-clang):
    /usr/bin/python3 bindings/gen/gen_bindings.py [--out-java DIR] [--out-c FILE]
bindings/gen/regenerate.sh wraps it. Output is deterministic: the regeneration
test diffs a fresh run against the committed files.
"""
import argparse
import json
import os
import re
import subprocess
import sys

try:
    import clang.cindex as ci
except ImportError:
    sys.exit("python3-clang is missing: apt-get install python3-clang (and run this with /usr/bin/python3)")

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TK = ci.TypeKind
JAVA_KEYWORDS = set("""abstract assert boolean break byte case catch char class const continue default do
double else enum extends final finally float for goto if implements import instanceof int interface long native
new package private protected public return short static strictfp super switch synchronized this throw throws
transient try void volatile while true false null var record yield""".split())


def die(msg):
    sys.exit("gen_bindings: " + msg)


def java_name(name):
    return name + "_" if name in JAVA_KEYWORDS else name


def find_libclang():
    for cand in ("/usr/lib/x86_64-linux-gnu/libclang-14.so.1", "/usr/lib/llvm-14/lib/libclang.so.1"):
        if os.path.exists(cand):
            return cand
    return None


class Scalar:
    """A Java ValueLayout for a C scalar."""
    def __init__(self, const, jtype, size, carrier=None):
        self.const, self.jtype, self.size = const, jtype, size
        self.carrier = carrier or {"MemorySegment": "AddressLayout"}.get(jtype, "ValueLayout.Of" + jtype.capitalize())


SCALARS = {
    TK.BOOL: Scalar("JAVA_BOOLEAN", "boolean", 1),
    TK.CHAR_S: Scalar("JAVA_BYTE", "byte", 1), TK.SCHAR: Scalar("JAVA_BYTE", "byte", 1),
    TK.CHAR_U: Scalar("JAVA_BYTE", "byte", 1), TK.UCHAR: Scalar("JAVA_BYTE", "byte", 1),
    TK.SHORT: Scalar("JAVA_SHORT", "short", 2), TK.USHORT: Scalar("JAVA_SHORT", "short", 2),
    TK.INT: Scalar("JAVA_INT", "int", 4), TK.UINT: Scalar("JAVA_INT", "int", 4),
    TK.LONG: Scalar("JAVA_LONG", "long", 8), TK.ULONG: Scalar("JAVA_LONG", "long", 8),
    TK.LONGLONG: Scalar("JAVA_LONG", "long", 8), TK.ULONGLONG: Scalar("JAVA_LONG", "long", 8),
    TK.FLOAT: Scalar("JAVA_FLOAT", "float", 4), TK.DOUBLE: Scalar("JAVA_DOUBLE", "double", 8),
}
POINTER = Scalar("ADDRESS", "MemorySegment", 8)


class Gen:
    def __init__(self, conf, index, tu):
        self.conf, self.index, self.tu = conf, index, tu
        self.pkg = conf["package"]
        self.structs = {}        # class name -> dict (ordered by discovery)
        self.struct_order = []
        self.functions = {}
        self.typedefs = {}
        self.enums = {}
        self.macro_vals = {}
        for c in tu.cursor.walk_preorder():
            if c.kind == ci.CursorKind.FUNCTION_DECL and c.spelling not in self.functions:
                self.functions[c.spelling] = c
            elif c.kind == ci.CursorKind.TYPEDEF_DECL:
                self.typedefs.setdefault(c.spelling, c)
            elif c.kind == ci.CursorKind.ENUM_DECL and c.spelling:
                if c.spelling not in self.enums or not self.enums[c.spelling].is_definition():
                    self.enums[c.spelling] = c
            elif c.kind == ci.CursorKind.VAR_DECL and c.spelling.startswith("__vs_macro_"):
                self.macro_vals[c.spelling[len("__vs_macro_"):]] = c
            elif c.kind == ci.CursorKind.ENUM_CONSTANT_DECL and c.spelling.startswith("__vs_value_"):
                self.macro_vals.setdefault("value:" + c.spelling[len("__vs_value_"):], c.enum_value)
        self.struct_decls = {}
        for c in tu.cursor.walk_preorder():
            if c.kind in (ci.CursorKind.STRUCT_DECL, ci.CursorKind.UNION_DECL) and c.spelling and c.is_definition():
                self.struct_decls.setdefault(c.spelling, c)

    # ---------------------------------------------------------------- types
    def record_class_name(self, rtype):
        decl = rtype.get_canonical().get_declaration()
        name = decl.spelling
        if not name or "anonymous" in name or "unnamed" in name:
            return None
        return name

    def layout_of(self, t, cap=None):
        """(java expression, natural alignment, size) for a C type; registers named records."""
        t = t.get_canonical()
        k = t.kind
        if k in SCALARS:
            s = SCALARS[k]
            return s.const, s.size, s.size
        if k == TK.ENUM:
            under = t.get_declaration().enum_type.get_canonical()
            return self.layout_of(under, cap)
        if k in (TK.POINTER, TK.BLOCKPOINTER):
            return "ADDRESS", 8, 8
        if k == TK.CONSTANTARRAY or k == TK.INCOMPLETEARRAY:
            n = t.element_count if k == TK.CONSTANTARRAY else 0
            e, ea, es = self.layout_of(t.element_type, cap)
            e = self.cap_align(e, ea, cap)
            return "MemoryLayout.sequenceLayout(%d, %s)" % (n, e), min(ea, cap or ea), es * n
        if k == TK.RECORD:
            name = self.record_class_name(t)
            if name is None:
                expr, al = self.record_layout(t.get_declaration(), "")
                return expr, al, t.get_size()
            self.want_struct(name)
            return "%s.$LAYOUT" % java_name(name), t.get_align(), t.get_size()
        if k in (TK.VECTOR, TK.INT128, TK.UINT128, TK.LONGDOUBLE):
            return ("MemoryLayout.sequenceLayout(%d, JAVA_BYTE).withByteAlignment(%d)" % (t.get_size(), t.get_align()),
                    t.get_align(), t.get_size())
        die("unsupported type %s (%s)" % (t.spelling, k))

    @staticmethod
    def cap_align(expr, natural, cap):
        if cap is not None and natural > cap:
            return "%s.withByteAlignment(%d)" % (expr, cap)
        return expr

    @staticmethod
    def is_unnamed(decl):
        n = decl.spelling
        return not n or "(anonymous" in n or "(unnamed" in n

    def leaf_name(self, decl):
        """A field name declared (possibly through anonymous members) inside record decl."""
        for m in self.fields_of(decl):
            if m.spelling and m.kind == ci.CursorKind.FIELD_DECL:
                return m.spelling
            n = self.leaf_name(m.type.get_canonical().get_declaration())
            if n:
                return n
        return None

    def fields_of(self, decl):
        """Members in declaration order. libclang does not list the implicit field of an
        anonymous struct/union member, so such records stand in for their field."""
        out = []
        kids = list(decl.get_children())
        used = set()
        for c in kids:
            if c.kind == ci.CursorKind.FIELD_DECL:
                t = c.type.get_canonical()
                while t.kind in (TK.CONSTANTARRAY, TK.INCOMPLETEARRAY):
                    t = t.element_type.get_canonical()
                used.add(t.get_declaration().hash)
        for c in kids:
            if c.kind == ci.CursorKind.FIELD_DECL:
                out.append(c)
            elif (c.kind in (ci.CursorKind.STRUCT_DECL, ci.CursorKind.UNION_DECL) and self.is_unnamed(c)
                  and c.is_definition() and c.hash not in used):
                out.append(c)
        return out

    def member_offset_bits(self, parent, m):
        if m.kind == ci.CursorKind.FIELD_DECL:
            return m.get_field_offsetof()
        leaf = self.leaf_name(m)
        if leaf is None:
            die("anonymous member without fields in %s" % parent.spelling)
        outer = parent.type.get_offset(leaf)
        inner = m.type.get_offset(leaf)
        if outer < 0 or inner < 0:
            die("cannot place anonymous member of %s (field %s)" % (parent.spelling, leaf))
        return outer - inner

    @staticmethod
    def member_anonymous(m):
        return m.kind != ci.CursorKind.FIELD_DECL or not m.spelling

    @staticmethod
    def member_bitfield(m):
        return m.kind == ci.CursorKind.FIELD_DECL and m.is_bitfield()

    def record_layout(self, decl, name):
        """Java expression for a struct/union layout with clang's offsets made explicit."""
        rtype = decl.type
        size, align = rtype.get_size(), rtype.get_align()
        is_union = decl.kind == ci.CursorKind.UNION_DECL
        members = []
        natural = 1
        # Packed records: cap member alignment at the record's alignment.
        cap = None
        for f in self.fields_of(decl):
            if self.member_bitfield(f):
                continue
            _, fa, _ = self.layout_of(f.type)
            if fa > align:
                cap = align
        cur = 0
        anon = 0
        for f in self.fields_of(decl):
            if self.member_bitfield(f):
                continue
            off = self.member_offset_bits(decl, f) // 8
            expr, fa, fs = self.layout_of(f.type, cap)
            eff = min(fa, cap) if cap else fa
            while eff > 1 and off % eff:
                eff //= 2
            if eff < fa:
                expr = "%s.withByteAlignment(%d)" % (expr, eff)
            natural = max(natural, eff)
            fname = "$anon%d" % anon if self.member_anonymous(f) else f.spelling
            if self.member_anonymous(f):
                anon += 1
            if is_union:
                if off != 0:
                    die("union member at offset %d in %s" % (off, name))
                members.append('%s.withName("%s")' % (expr, fname))
                cur = max(cur, fs)
            else:
                if off < cur:
                    die("overlapping field %s in %s" % (f.spelling, name))
                if off > cur:
                    members.append("MemoryLayout.paddingLayout(%d)" % (off - cur))
                members.append('%s.withName("%s")' % (expr, fname))
                cur = off + fs
        if size > cur:
            if is_union:
                members.append("MemoryLayout.paddingLayout(%d)" % size)
            else:
                members.append("MemoryLayout.paddingLayout(%d)" % (size - cur))
        kind = "unionLayout" if is_union else "structLayout"
        inner = (",\n" + " " * 8).join(members)
        expr = "MemoryLayout.%s(\n        %s)" % (kind, inner)
        if align > natural:
            expr += ".withByteAlignment(%d)" % align
            natural = align
        return expr, natural

    def flat_fields(self, decl, prefix_java, prefix_c, path, base):
        """Every named field reachable without naming a struct type: (java, c, path, offset, size, layout-expr|None, bitfield)."""
        out = []
        anon = 0
        for f in self.fields_of(decl):
            off_bits = self.member_offset_bits(decl, f) + base * 8
            anonymous = self.member_anonymous(f)
            fname = "$anon%d" % anon if anonymous else f.spelling
            if anonymous:
                anon += 1
            if self.member_bitfield(f):
                out.append(dict(java=prefix_java + f.spelling, c=prefix_c + f.spelling, path=None,
                                bit_offset=off_bits, bit_width=f.get_bitfield_width(), bitfield=True,
                                type=f.type.get_canonical()))
                continue
            off = off_bits // 8
            ct = f.type.get_canonical()
            is_anon_record = ct.kind == TK.RECORD and self.record_class_name(ct) is None
            if anonymous and is_anon_record:
                out += self.flat_fields(ct.get_declaration(), prefix_java, prefix_c, path + [fname], off)
                continue
            out.append(dict(java=prefix_java + f.spelling, c=prefix_c + f.spelling, path=path + [fname], offset=off,
                            size=ct.get_size(), type=ct, bitfield=False))
            if is_anon_record:
                out += self.flat_fields(ct.get_declaration(), prefix_java + f.spelling + "_",
                                        prefix_c + f.spelling + ".", path + [fname], off)
        return out

    def want_struct(self, name):
        if name in self.structs:
            return
        decl = self.struct_decls.get(name)
        if decl is None:
            td = self.typedefs.get(name)
            if td is not None:
                decl = td.underlying_typedef_type.get_canonical().get_declaration()
        if decl is None or not decl.is_definition():
            die("struct %s has no definition in the parsed headers" % name)
        self.structs[name] = None  # placeholder against recursion
        expr, _ = self.record_layout(decl, name)
        c_name = ("union " if decl.kind == ci.CursorKind.UNION_DECL else "struct ") + name \
            if decl.spelling == name else name
        self.structs[name] = dict(name=name, decl=decl, expr=expr, c_name=c_name,
                                  size=decl.type.get_size(), align=decl.type.get_align(),
                                  fields=self.flat_fields(decl, "", "", [], 0))
        self.struct_order.append(name)

    # ------------------------------------------------------------ functions
    def fn_descriptor(self, cur):
        ft = cur.type
        if ft.kind == TK.FUNCTIONPROTO and ft.is_function_variadic():
            die("%s is variadic: not supported" % cur.spelling)
        args = []
        for i, a in enumerate(cur.get_arguments()):
            expr, _, _ = self.layout_of(a.type)
            nm = a.spelling or "x%d" % i
            args.append((java_name(nm), expr, self.jtype(a.type)))
        rt = cur.result_type.get_canonical()
        ret = None if rt.kind == TK.VOID else (self.layout_of(rt)[0], self.jtype(rt))
        return args, ret

    def jtype(self, t):
        t = t.get_canonical()
        if t.kind in SCALARS:
            return SCALARS[t.kind].jtype
        if t.kind == TK.ENUM:
            return self.jtype(t.get_declaration().enum_type)
        if t.kind in (TK.POINTER, TK.CONSTANTARRAY, TK.INCOMPLETEARRAY):
            return "MemorySegment"
        die("by-value %s in a function signature is not supported" % t.spelling)

    def c_signature(self, cur):
        args = ", ".join("%s %s" % (a.type.spelling, a.spelling) for a in cur.get_arguments())
        return "%s %s(%s)" % (cur.result_type.spelling, cur.spelling, args or "void")


HEADER = "// Generated by bindings/gen/gen_bindings.py from the headers of DPDK %s. DO NOT EDIT.\n" \
         "// Regenerate with bindings/gen/regenerate.sh (see bindings/README.md).\n"


def java_header_class(g, h, dpdk_version):
    cls = h["class"]
    critical = set(h.get("critical", []))
    out = [HEADER % dpdk_version, "package %s;\n" % g.pkg,
           "import io.vswitch.bindings.NativeLibs;",
           "import java.lang.foreign.*;",
           "import java.lang.invoke.MethodHandle;",
           "import static java.lang.foreign.ValueLayout.*;\n",
           "/** Bindings for %s. */" % ", ".join(sorted(set(os.path.basename(str(g.functions[f].location.file))
                                                         for f in h.get("functions", []) if f in g.functions)) or ["constants"]),
           "@SuppressWarnings(\"unused\")",
           "public final class %s {" % cls,
           "    private %s() {}\n" % cls]
    for m in h.get("macros", []):
        var = g.macro_vals.get(m)
        val = g.macro_vals.get("value:" + m)
        if var is None or val is None:
            die("macro %s did not evaluate" % m)
        size = var.type.get_canonical().get_size()
        if size <= 4:
            v = val & 0xFFFFFFFF
            v = v - (1 << 32) if v >= 1 << 31 else v
            out.append("    /** {@code #define %s} */\n    public static final int %s = %d;" % (m, m, v))
        else:
            v = val & 0xFFFFFFFFFFFFFFFF
            v = v - (1 << 64) if v >= 1 << 63 else v
            out.append("    /** {@code #define %s} */\n    public static final long %s = %dL;" % (m, m, v))
    for e in h.get("enums", []):
        decl = g.enums.get(e) or (g.typedefs[e].underlying_typedef_type.get_canonical().get_declaration()
                                   if e in g.typedefs else None)
        if decl is None:
            die("enum %s not found" % e)
        out.append("    // enum %s" % e)
        for c in decl.get_children():
            if c.kind == ci.CursorKind.ENUM_CONSTANT_DECL:
                out.append("    public static final int %s = %d;" % (c.spelling, c.enum_value))
    for fname in h.get("functions", []):
        cur = g.functions.get(fname)
        if cur is None:
            die("function %s not found in the headers" % fname)
        args, ret = g.fn_descriptor(cur)
        arg_layouts = ", ".join(a[1] for a in args)
        if ret is None:
            desc = "FunctionDescriptor.ofVoid(%s)" % arg_layouts
        else:
            desc = "FunctionDescriptor.of(%s)" % ", ".join([ret[0]] + [a[1] for a in args])
        opts = ", Linker.Option.critical(false)" if fname in critical else ""
        params = ", ".join("%s %s" % (a[2], a[0]) for a in args)
        call_args = ", ".join(a[0] for a in args)
        out.append("")
        out.append("    private static final class %s$ {" % fname)
        out.append("        static final FunctionDescriptor DESC = %s;" % desc)
        out.append("        static final MemorySegment ADDR = NativeLibs.find(\"%s\");" % fname)
        out.append("        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC%s);" % opts)
        out.append("    }")
        out.append("    /** {@snippet lang=c : %s } */" % g.c_signature(cur).replace("*/", "* /"))
        out.append("    public static FunctionDescriptor %s$descriptor() { return %s$.DESC; }" % (fname, fname))
        out.append("    public static MethodHandle %s$handle() { return %s$.HANDLE; }" % (fname, fname))
        out.append("    public static MemorySegment %s$address() { return %s$.ADDR; }" % (fname, fname))
        rtj = "void" if ret is None else ret[1]
        out.append("    public static %s %s(%s) {" % (rtj, fname, params))
        out.append("        try {")
        if ret is None:
            out.append("            %s$.HANDLE.invokeExact(%s);" % (fname, call_args))
        else:
            out.append("            return (%s) %s$.HANDLE.invokeExact(%s);" % (rtj, fname, call_args))
        out.append("        } catch (RuntimeException | Error e) {")
        out.append("            throw e;")
        out.append("        } catch (Throwable t) {")
        out.append("            throw new AssertionError(\"unreachable\", t);")
        out.append("        }")
        out.append("    }")
    for cb in h.get("callbacks", []):
        td = g.typedefs.get(cb)
        if td is None:
            die("callback typedef %s not found" % cb)
        ft = td.underlying_typedef_type.get_canonical()
        if ft.kind == TK.POINTER:
            ft = ft.get_pointee().get_canonical()
        args = [g.layout_of(a)[0] for a in ft.argument_types()]
        rt = ft.get_result().get_canonical()
        desc = ("FunctionDescriptor.ofVoid(%s)" % ", ".join(args)) if rt.kind == TK.VOID else \
            "FunctionDescriptor.of(%s)" % ", ".join([g.layout_of(rt)[0]] + args)
        out.append("")
        out.append("    /** Function pointer type {@code %s}: descriptor for upcall stubs. */" % cb)
        out.append("    public static final FunctionDescriptor %s$DESC = %s;" % (cb, desc))
        out.append("    public static MemorySegment %s$allocate(MethodHandle target, Arena arena) {" % cb)
        out.append("        return Linker.nativeLinker().upcallStub(target, %s$DESC, arena);" % cb)
        out.append("    }")
    out.append("}")
    return "\n".join(out) + "\n"


def java_struct_class(g, s, dpdk_version):
    name = java_name(s["name"])
    out = [HEADER % dpdk_version, "package %s;\n" % g.pkg,
           "import io.vswitch.bindings.Bitfields;",
           "import java.lang.foreign.*;",
           "import static java.lang.foreign.ValueLayout.*;\n",
           "/** {@code %s}: %d bytes, aligned to %d. */" % (s["c_name"], s["size"], s["align"]),
           "@SuppressWarnings(\"unused\")",
           "public final class %s {" % name,
           "    private %s() {}\n" % name,
           "    public static final GroupLayout $LAYOUT = %s.withName(\"%s\");" % (s["expr"], s["name"]),
           "    public static final long SIZEOF = %d;" % s["size"],
           "    public static final long ALIGNOF = %d;" % s["align"]]
    for f in s["fields"]:
        j = java_name(f["java"])
        if f["bitfield"]:
            out.append("")
            out.append("    /** bit-field {@code %s : %d} */" % (f["c"], f["bit_width"]))
            out.append("    public static final long %s$BIT_OFFSET = %d;" % (j, f["bit_offset"]))
            out.append("    public static final int %s$BIT_WIDTH = %d;" % (j, f["bit_width"]))
            out.append("    public static long %s(MemorySegment struct) { return Bitfields.get(struct, %s$BIT_OFFSET, %s$BIT_WIDTH); }"
                       % (j, j, j))
            continue
        t = f["type"]
        out.append("")
        out.append("    /** {@code %s %s} */" % (t.spelling, f["c"]))
        out.append("    public static final long %s$OFFSET = %d;" % (j, f["offset"]))
        if t.kind in SCALARS or t.kind in (TK.POINTER, TK.ENUM):
            sc = SCALARS.get(t.kind)
            if t.kind == TK.ENUM:
                sc = SCALARS[t.get_declaration().enum_type.get_canonical().kind]
            if t.kind == TK.POINTER:
                sc = POINTER
            lay = sc.const if f["offset"] % sc.size == 0 else "%s_UNALIGNED" % sc.const
            if sc.const == "JAVA_BOOLEAN" or sc.const == "JAVA_BYTE":
                lay = sc.const
            out.append("    public static final %s %s$LAYOUT = %s;" % (sc.carrier, j, lay))
            out.append("    public static %s %s(MemorySegment struct) { return struct.get(%s$LAYOUT, %s$OFFSET); }"
                       % (sc.jtype, j, j, j))
            out.append("    public static void %s(MemorySegment struct, %s value) { struct.set(%s$LAYOUT, %s$OFFSET, value); }"
                       % (j, sc.jtype, j, j))
        else:
            out.append("    public static final long %s$SIZE = %d;" % (j, f["size"]))
            out.append("    public static MemorySegment %s(MemorySegment struct) { return struct.asSlice(%s$OFFSET, %s$SIZE); }"
                       % (j, j, j))
    out.append("}")
    return "\n".join(out) + "\n"


def java_registry(g, dpdk_version):
    out = [HEADER % dpdk_version, "package %s;\n" % g.pkg,
           "import io.vswitch.bindings.LayoutInfo;",
           "import io.vswitch.bindings.LayoutInfo.Bit;",
           "import io.vswitch.bindings.LayoutInfo.Field;",
           "import java.util.List;\n",
           "/** Every generated struct and field, for the test that compares them with gcc's (libvsshim.so probes). */",
           "public final class LayoutRegistry {",
           "    private LayoutRegistry() {}\n",
           "    public static final List<LayoutInfo> ALL = List.of("]
    entries = []
    for n in sorted(g.struct_order):
        s = g.structs[n]
        j = java_name(n)
        fields = []
        bits = []
        for f in s["fields"]:
            fj = java_name(f["java"])
            if f["bitfield"]:
                bits.append('new Bit("%s", %s.%s$BIT_OFFSET, %s.%s$BIT_WIDTH)' % (f["c"], j, fj, j, fj))
            else:
                path = ", ".join('"%s"' % p for p in f["path"])
                fields.append('new Field("%s", %s.%s$OFFSET, List.of(%s))' % (f["c"], j, fj, path))
        entries.append('        new LayoutInfo("%s", %s.$LAYOUT,\n            List.of(%s),\n            List.of(%s))'
                       % (n, j, (",\n                ").join(fields), ", ".join(bits)))
    out.append(",\n".join(entries))
    out.append("    );")
    out.append("}")
    return "\n".join(out) + "\n"


def c_probes(g, dpdk_version):
    out = ["/* Generated by bindings/gen/gen_bindings.py from the headers of DPDK %s. DO NOT EDIT." % dpdk_version,
           " * gcc's sizeof/alignof/offsetof (and bit-field positions) for every struct and field the",
           " * generated Java bindings describe; LayoutTest compares the two. */",
           "#include <string.h>"]
    for inc in g.conf["includes"]:
        out.append("#include <%s>" % inc if inc != "vsshim.h" else '#include "vsshim.h"')
    rows = []
    bitcode = []
    for n in sorted(g.struct_order):
        s = g.structs[n]
        ct = s["c_name"]
        rows.append('    P("%s", "", sizeof(%s), _Alignof(%s), \'S\');' % (n, ct, ct))
        for f in s["fields"]:
            if f["bitfield"]:
                rows.append('    { %s t; memset(&t, 0, sizeof t); t.%s = ones; bitpos(&t, sizeof t, "%s", "%s"); }'
                            % (ct, f["c"], n, f["c"]))
            else:
                rows.append('    P("%s", "%s", offsetof(%s, %s), sizeof(((%s *)0)->%s), \'F\');'
                            % (n, f["c"], ct, f["c"], ct, f["c"]))
    out.append("""
#define MAX_PROBES %d
static struct vs_layout_probe probes[MAX_PROBES];
static uint32_t n_probes;

static void P(const char *t, const char *f, uint64_t v, uint64_t x, int kind)
{
    probes[n_probes++] = (struct vs_layout_probe){ t, f, v, x, kind };
}

/* the first set bit and the run length of a struct in which one bit-field is all ones */
static void bitpos(const void *p, size_t n, const char *t, const char *f)
{
    const unsigned char *b = p;
    uint64_t first = 0, width = 0;
    int seen = 0;
    for (size_t i = 0; i < n * 8; i++) {
        if (b[i / 8] >> (i %% 8) & 1) {
            if (!seen) first = i;
            seen = 1;
            width++;
        }
    }
    P(t, f, first, width, 'B');
}

const struct vs_layout_probe *vs_layout_probes(uint32_t *count)
{
    static volatile uint64_t ones = ~(uint64_t)0;
    if (n_probes == 0) {""" % (len(rows) + 1))
    out += ["    " + r for r in rows]
    out.append("""    }
    *count = n_probes;
    return probes;
}""")
    return "\n".join(out) + "\n"


def parse(conf, args_extra):
    cflags = subprocess.run(["pkg-config", "--cflags", "libdpdk"], capture_output=True, text=True)
    if cflags.returncode != 0:
        die("pkg-config libdpdk failed: apt-get install libdpdk-dev pkg-config")
    flags = cflags.stdout.split() + ["-I" + os.path.join(REPO, "native-shim", "src"), "-std=gnu11"] + args_extra
    macros = [m for h in conf["headers"] for m in h.get("macros", [])]
    src = "\n".join("#include <%s>" % i if i != "vsshim.h" else '#include "vsshim.h"' for i in conf["includes"])
    src += "\n" + "\n".join("static const __typeof__(%s) __vs_macro_%s = (%s);" % (m, m, m) for m in macros)
    src += "\nenum __vs_macro_values {\n" + ",\n".join("  __vs_value_%s = (%s)" % (m, m) for m in macros) + "\n};\n"
    index = ci.Index.create()
    tu = index.parse("vs_bindings.c", args=flags, unsaved_files=[("vs_bindings.c", src)],
                     options=ci.TranslationUnit.PARSE_DETAILED_PROCESSING_RECORD)
    errors = [d for d in tu.diagnostics if d.severity >= ci.Diagnostic.Error]
    if errors:
        die("libclang errors:\n" + "\n".join(str(d) for d in errors[:20]))
    return index, tu


def dpdk_version():
    r = subprocess.run(["pkg-config", "--modversion", "libdpdk"], capture_output=True, text=True)
    return r.stdout.strip()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--conf", default=os.path.join(HERE, "bindings.json"))
    ap.add_argument("--out-java", default=os.path.join(REPO, "bindings", "src", "generated", "java"))
    ap.add_argument("--out-c", default=os.path.join(REPO, "native-shim", "src", "layout_probes.c"))
    a = ap.parse_args()
    lib = find_libclang()
    if lib:
        ci.Config.set_library_file(lib)
    with open(a.conf) as f:
        conf = json.load(f)
    index, tu = parse(conf, [])
    g = Gen(conf, index, tu)
    ver = dpdk_version()
    for h in conf["headers"]:
        for s in h.get("structs", []):
            g.want_struct(s)
    files = {}
    pkgdir = os.path.join(a.out_java, *conf["package"].split("."))
    for h in conf["headers"]:
        files[os.path.join(pkgdir, h["class"] + ".java")] = java_header_class(g, h, ver)
    for n in g.struct_order:
        files[os.path.join(pkgdir, java_name(n) + ".java")] = java_struct_class(g, g.structs[n], ver)
    files[os.path.join(pkgdir, "LayoutRegistry.java")] = java_registry(g, ver)
    files[a.out_c] = c_probes(g, ver)
    os.makedirs(pkgdir, exist_ok=True)
    # Remove stale generated classes so renames do not leave orphans.
    for old in os.listdir(pkgdir):
        p = os.path.join(pkgdir, old)
        if p not in files and old.endswith(".java"):
            os.remove(p)
    for p, text in sorted(files.items()):
        with open(p, "w") as f:
            f.write(text)
    print("gen_bindings: %d header classes, %d struct classes, %d probes file -> %s"
          % (len(conf["headers"]), len(g.struct_order), 1, os.path.relpath(pkgdir, REPO)))


if __name__ == "__main__":
    main()
