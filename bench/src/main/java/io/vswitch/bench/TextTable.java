package io.vswitch.bench;

import java.util.ArrayList;
import java.util.List;

/** A plain-text table: the first {@code leftColumns} columns left-aligned, the rest right-aligned, columns padded to their widest cell. */
public final class TextTable {
    private final List<String> header;
    private final int leftColumns;
    private final List<List<String>> rows = new ArrayList<>();

    public TextTable(int leftColumns, List<String> header) {
        this.leftColumns = leftColumns;
        this.header = List.copyOf(header);
    }

    /** Adds a row; it must have as many cells as the header. */
    public TextTable row(List<String> cells) {
        if (cells.size() != header.size()) throw new IllegalArgumentException("row has " + cells.size() + " cells, header " + header.size());
        rows.add(List.copyOf(cells));
        return this;
    }

    public int rowCount() {
        return rows.size();
    }

    @Override
    public String toString() {
        int[] w = new int[header.size()];
        for (int i = 0; i < w.length; i++) w[i] = header.get(i).length();
        for (List<String> r : rows)
            for (int i = 0; i < w.length; i++) w[i] = Math.max(w[i], r.get(i).length());
        StringBuilder b = new StringBuilder();
        line(b, header, w);
        for (int i = 0; i < w.length; i++) {
            if (i > 0) b.append(i == leftColumns ? "-+-" : "--");
            b.append("-".repeat(w[i]));
        }
        b.append('\n');
        for (List<String> r : rows) line(b, r, w);
        return b.toString();
    }

    private void line(StringBuilder b, List<String> cells, int[] w) {
        StringBuilder l = new StringBuilder();
        for (int i = 0; i < w.length; i++) {
            if (i > 0) l.append(i == leftColumns ? " | " : "  ");
            String c = cells.get(i);
            String pad = " ".repeat(w[i] - c.length());
            l.append(i < leftColumns ? c + pad : pad + c);
        }
        b.append(l.toString().stripTrailing()).append('\n');
    }
}
