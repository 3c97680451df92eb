package org.isqrt4j.bench;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.style.Styler;

/**
 * The report's chart: one bar chart per panel (samples/s on a log scale, effective GFLOP/s on a linear one with the
 * measured FMA peak as a grey bar beside the contenders), per contender per workload, stacked into one PNG.
 * Rendered off-screen with XChart (needs {@code -Djava.awt.headless=true} on machines without a display).
 */
final class Chart {
    private static final int WIDTH = 1000;
    private static final int HEIGHT = 520;

    /** One bar chart: a value per contender per workload, and optionally a reference value (a peak) beside them. */
    static final class Panel {
        final String title;
        final String yTitle;
        final boolean log;
        final Map<String, List<Double>> series;
        final String refName;
        final Double refValue;

        /**
         * @param title     panel title
         * @param yTitle    y axis title
         * @param log       log scale (whole decades)
         * @param series    contender, then a value per workload (null where it did not run)
         * @param refName   legend name of the reference value (drawn as a grey bar per workload), or null for none
         * @param refValue its value, or null for none
         */
        Panel(String title, String yTitle, boolean log, Map<String, List<Double>> series, String refName, Double refValue) {
            this.title = title;
            this.yTitle = yTitle;
            this.log = log;
            this.series = series;
            this.refName = refName;
            this.refValue = refValue;
        }
    }

    private Chart() {
    }

    /**
     * @param file      PNG to write
     * @param workloads category labels, in order
     * @param panels    the panels, top to bottom; a panel without any value is left out
     * @throws IOException if the file cannot be written, or no panel has a value
     */
    static void write(Path file, List<String> workloads, List<Panel> panels) throws IOException {
        List<BufferedImage> images = new ArrayList<>();
        for (Panel p : panels) {
            CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                    .title(p.title).xAxisTitle("workload").yAxisTitle(p.yTitle).build();
            chart.getStyler().setYAxisLogarithmic(p.log);
            chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
            chart.getStyler().setChartBackgroundColor(Color.WHITE);
            chart.getStyler().setAvailableSpaceFill(0.8);
            boolean any = false;
            double lo = Double.POSITIVE_INFINITY;
            double hi = 0;
            for (Map.Entry<String, List<Double>> s : p.series.entrySet()) {
                List<Number> ys = new ArrayList<>();
                boolean has = false;
                for (Double v : s.getValue()) {
                    boolean ok = v != null && v > 0 && Double.isFinite(v);
                    ys.add(ok ? v : null);
                    has |= ok;
                    if (ok) {
                        lo = Math.min(lo, v);
                        hi = Math.max(hi, v);
                    }
                }
                if (has) {
                    chart.addSeries(s.getKey(), new ArrayList<>(workloads), ys);
                    any = true;
                }
            }
            if (!any) {
                continue;
            }
            if (p.refValue != null && p.refValue > 0 && Double.isFinite(p.refValue)) {
                List<Number> peak = new ArrayList<>();
                for (int i = 0; i < workloads.size(); i++) {
                    peak.add(p.refValue);
                }
                // a grey bar beside each workload's bars (an overlaid line lands off the category centres in XChart)
                CategorySeries ref = chart.addSeries(p.refName, new ArrayList<>(workloads), peak);
                ref.setFillColor(Color.LIGHT_GRAY);
                lo = Math.min(lo, p.refValue);
                hi = Math.max(hi, p.refValue);
            }
            if (p.log) {
                // Bars start at zero unless told otherwise, which a log axis cannot show: span whole decades.
                chart.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(lo))));
                chart.getStyler().setYAxisMax(Math.pow(10, Math.ceil(Math.log10(hi * 1.0001))));
            } else {
                chart.getStyler().setYAxisMin(0.0);
                chart.getStyler().setYAxisMax(hi * 1.1);
            }
            images.add(BitmapEncoder.getBufferedImage(chart));
        }
        if (images.isEmpty()) {
            throw new IOException("no results to draw");
        }
        int h = 0;
        int w = 0;
        for (BufferedImage im : images) {
            h += im.getHeight();
            w = Math.max(w, im.getWidth());
        }
        BufferedImage all = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = all.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, w, h);
            int y = 0;
            for (BufferedImage im : images) {
                g.drawImage(im, 0, y, null);
                y += im.getHeight();
            }
        } finally {
            g.dispose();
        }
        java.nio.file.Files.createDirectories(file.toAbsolutePath().getParent());
        if (!ImageIO.write(all, "png", file.toFile())) {
            throw new IOException("no PNG writer");
        }
    }
}
