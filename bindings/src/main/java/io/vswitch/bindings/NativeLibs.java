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

    /** Where the shim was loaded from (for diagnostics). */
    public static Path shimPath() {
        return ShimPath.PATH;
    }

    private static final class ShimPath {
        static final Path PATH = locateShim();
    }

    private static SymbolLookup build() {
        Arena arena = Arena.global();
        SymbolLookup shim;
        try {
            shim = SymbolLookup.libraryLookup(shimPath(), arena);
        } catch (IllegalArgumentException e) {
            throw new UnsatisfiedLinkError("cannot load " + shimPath() + ": " + e.getMessage()
                    + " (are the DPDK libraries installed? run bin/setup)");
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

    private static Path locateShim() {
        String override = System.getProperty("vswitch.shim");
        if (override != null) {
            Path p = Path.of(override);
            if (!Files.isRegularFile(p)) {
                throw new UnsatisfiedLinkError("-Dvswitch.shim=" + override + " is not a file");
            }
            return p;
        }
        URL url = NativeLibs.class.getResource(RESOURCE);
        if (url == null) {
            throw new UnsatisfiedLinkError("libvsshim.so is not on the class path (" + RESOURCE
                    + "): build with `mvn package` (bin/setup does it)");
        }
        if ("file".equals(url.getProtocol())) {
            try {
                return Path.of(url.toURI());
            } catch (URISyntaxException e) {
                throw new UnsatisfiedLinkError("bad shim URL " + url);
            }
        }
        // Inside a jar: dlopen needs a file.
        try (InputStream in = url.openStream()) {
            Path tmp = Files.createTempFile("libvsshim", ".so");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            tmp.toFile().deleteOnExit();
            return tmp;
        } catch (IOException e) {
            throw new UnsatisfiedLinkError("cannot extract libvsshim.so: " + e.getMessage());
        }
    }
}
