package io.vswitch.bench;

import io.vswitch.bench.Peers.Config;
import io.vswitch.bench.Results.PointResult;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Throughput vs frame size, one line per configuration (reflector x generator x queues), drawn with XChart. */
public final class Plot {
    private Plot() {}

    /** The series the charts draw: per configuration, (size, median) points sorted by size. */
    static Map<Config, double[][]> series(List<PointResult> rs, Function<PointResult, Summary> metric) {
        Map<Config, List<double[]>> by = new LinkedHashMap<>();
        for (PointResult r : rs) {
            if (r.runs().isEmpty()) continue;
            by.computeIfAbsent(r.point().config(), k -> new ArrayList<>()).add(new double[] {r.point().size(), metric.apply(r).median()});
        }
        Map<Config, double[][]> out = new LinkedHashMap<>();
        for (Map.Entry<Config, List<double[]>> e : by.entrySet()) {
            List<double[]> pts = e.getValue();
            pts.sort((a, b) -> Double.compare(a[0], b[0]));
            double[] x = new double[pts.size()], y = new double[pts.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = pts.get(i)[0];
                y[i] = pts.get(i)[1];
            }
            out.put(e.getKey(), new double[][] {x, y});
        }
        return out;
    }

    /**
     * Writes {@code dir/throughput-mpps.png} (reflected Mpps) and {@code dir/throughput-mbps.png}
     * (reflected L2 Mbps), medians over starts.
     *
     * @return the paths written
     */
    public static List<Path> write(Path dir, String subtitle, List<PointResult> rs) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<Path> out = new ArrayList<>();
        String what = title(rs);
        out.add(chart(dir.resolve("throughput-mpps.png"), what + " Mpps vs frame size, median of starts", "Mpps", subtitle,
                series(rs, PointResult::rxMpps)));
        out.add(chart(dir.resolve("throughput-mbps.png"), what + " L2 Mbps vs frame size, median of starts", "Mbps (L2, FCS incl.)",
                subtitle, series(rs, PointResult::rxMbps)));
        return out;
    }

    /** What the lines measure: reflected, and with sweep --switch's points also forwarded (by bin/vswitch, both ports). */
    static String title(List<PointResult> rs) {
        if (!rs.isEmpty() && rs.stream().allMatch(LatencyPoints::isLatency)) return "Zero-loss (NDR)";
        boolean loop = rs.stream().anyMatch(r -> r.point().config().topology() == Peers.Topology.TWO_PORT_LOOP);
        boolean one = rs.stream().anyMatch(r -> r.point().config().topology() == Peers.Topology.ONE_PORT);
        if (!loop) return "Reflected";
        return one ? "Reflected (2-port loop: forwarded)" : "Forwarded (2-port loop)";
    }

    private static Path chart(Path file, String title, String yTitle, String subtitle, Map<Config, double[][]> series) throws IOException {
        XYChart c = new XYChartBuilder().width(1000).height(620).title(title + (subtitle.isEmpty() ? "" : " - " + subtitle))
                .xAxisTitle("frame size, bytes (FCS included)").yAxisTitle(yTitle).build();
        org.knowm.xchart.style.XYStyler st = c.getStyler();
        st.setLegendPosition(Styler.LegendPosition.OutsideS);
        // more than three long labels do not fit side by side in 1000 px: stack them
        st.setLegendLayout(series.size() > 3 ? Styler.LegendLayout.Vertical : Styler.LegendLayout.Horizontal);
        st.setChartBackgroundColor(java.awt.Color.WHITE);
        st.setPlotGridLinesVisible(true);
        st.setMarkerSize(7);
        st.setXAxisDecimalPattern("0");
        st.setXAxisMin(0.0);
        st.setYAxisMin(0.0);
        st.setYAxisDecimalPattern("#,##0.##");
        for (Map.Entry<Config, double[][]> e : series.entrySet()) {
            XYSeries s = c.addSeries(e.getKey().label(), e.getValue()[0], e.getValue()[1]);
            s.setMarker(SeriesMarkers.CIRCLE);
        }
        if (series.isEmpty()) c.addSeries("no data", new double[] {64}, new double[] {0});
        BitmapEncoder.saveBitmap(c, file.toString(), BitmapEncoder.BitmapFormat.PNG);
        return file;
    }
}
