package io.vswitch.bindings;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * Finds native symbols for the generated bindings.
 *
 * <p>One lookup serves every generated header class: the shim (libvsshim.so,
 * packed into this jar by the build) is linked against the DPDK libraries, and
 * a lookup on its handle searches them too. Symbols of PMD plugins that are not
 * linked into the shim (the vhost PMD's rte_eth_vhost_* API) come from the
 * plugin loaded by its soname; it is the same file EAL loads from its driver
 * directory, so it is never registered twice.
 *
 * <p>No path has to be set by the user. {@code -Dvswitch.shim=/path/libvsshim.so}
 * overrides the packed copy (e.g. to test a rebuilt shim).
 */
public final class NativeLibs {
    private static final String RESOURCE = "/native/linux-x86_64/libvsshim.so";
    private static final String[] PLUGINS = {"librte_net_vhost.so.23"};

    private NativeLibs() {}

    private static final class Holder {
        static final SymbolLookup LOOKUP = build();
    }

    /** The lookup every generated binding resolves through. */
    public static SymbolLookup lookup() {
        return Holder.LOOKUP;
    }

    /** The address of {@code name}, or an UnsatisfiedLinkError that says what to install. */
    public static MemorySegment find(String name) {
        Optional<MemorySegment> s = lookup().find(name);
        if (s.isEmpty()) {
            throw new UnsatisfiedLinkError("native symbol " + name + " not found in libvsshim.so, DPDK or "
                    + String.join(", ", PLUGINS) + ": is DPDK 22.11 installed (bin/setup)?");
        }
        return s.get();
    }

    /**
     * Where the shim was loaded from (for diagnostics). A copy extracted from the jar is
     * deleted as soon as it is loaded, so this file may no longer exist.
     */
    public static Path shimPath() {
        return ShimPath.SHIM.path();
    }

    /** The shim's file, and whether it is our own copy out of the jar (deleted once loaded). */
    private record Shim(Path path, boolean extracted) {}

    private static final class ShimPath {
        static final Shim SHIM = locateShim();
    }

    private static SymbolLookup build() {
        Arena arena = Arena.global();
        Shim located = ShimPath.SHIM;
        SymbolLookup shim;
        try {
            shim = SymbolLookup.libraryLookup(located.path(), arena);
        } catch (IllegalArgumentException e) {
            throw new UnsatisfiedLinkError("cannot load " + located.path() + ": " + e.getMessage()
                    + " (are the DPDK libraries installed? run bin/setup)");
        } finally {
            // dlopen has mapped it (the global arena never unloads it): the name is no longer needed. Deleting it
            // now rather than at exit leaves nothing in /tmp after a kill -9 or a crash (one file per start, else).
            if (located.extracted()) {
                try {
                    Files.deleteIfExists(located.path());
                } catch (IOException e) {
                    located.path().toFile().deleteOnExit();
                }
            }
        }
        SymbolLookup all = shim;
        for (String plugin : PLUGINS) {
            SymbolLookup p = lazy(plugin, arena);
            all = all.or(p);
        }
        return all;
    }

    /** A plugin library, opened on the first lookup that reaches it. */
    private static SymbolLookup lazy(String soname, Arena arena) {
        return new SymbolLookup() {
            private SymbolLookup delegate;

            @Override
            public synchronized Optional<MemorySegment> find(String name) {
                if (delegate == null) {
                    try {
                        delegate = SymbolLookup.libraryLookup(soname, arena);
                    } catch (IllegalArgumentException e) {
                        return Optional.empty();
                    }
                }
                return delegate.find(name);
            }
        };
    }

    private static Shim locateShim() {
        String override = System.getProperty("vswitch.shim");
        if (override != null) {
            Path p = Path.of(override);
            if (!Files.isRegularFile(p)) {
                throw new UnsatisfiedLinkError("-Dvswitch.shim=" + override + " is not a file");
            }
            return new Shim(p, false);
        }
        URL url = NativeLibs.class.getResource(RESOURCE);
        if (url == null) {
            throw new UnsatisfiedLinkError("libvsshim.so is not on the class path (" + RESOURCE
                    + "): build with `mvn package` (bin/setup does it)");
        }
        if ("file".equals(url.getProtocol())) {
            try {
                return new Shim(Path.of(url.toURI()), false);
            } catch (URISyntaxException e) {
                throw new UnsatisfiedLinkError("bad shim URL " + url);
            }
        }
        // Inside a jar: dlopen needs a file.
        Path tmp = null;
        try (InputStream in = url.openStream()) {
            tmp = Files.createTempFile("libvsshim", ".so");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            return new Shim(tmp, true);
        } catch (IOException e) {
            if (tmp != null) {
                tmp.toFile().delete();
            }
            throw new UnsatisfiedLinkError("cannot extract libvsshim.so to " + System.getProperty("java.io.tmpdir")
                    + ": " + e.getMessage());
        }
    }
}
