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
import org.knowm.xchart.style.Styler;

/**
 * The report's chart: samples/s per contender per workload, one bar chart per mode stacked into one PNG, log
 * scale. Rendered off-screen with XChart (needs {@code -Djava.awt.headless=true} on machines without a display).
 */
final class Chart {
    private static final int WIDTH = 1000;
    private static final int HEIGHT = 520;

    private Chart() {
    }

    /**
     * @param file      PNG to write
     * @param title     title prefix (profile, machine)
     * @param workloads category labels, in order
     * @param perMode   mode, then contender, then samples/s per workload (null where it did not run)
     * @throws IOException if the file cannot be written
     */
    static void write(Path file, String title, List<String> workloads, Map<String, Map<String, List<Double>>> perMode)
            throws IOException {
        List<BufferedImage> images = new ArrayList<>();
        for (Map.Entry<String, Map<String, List<Double>>> mode : perMode.entrySet()) {
            CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                    .title(title + " - " + mode.getKey())
                    .xAxisTitle("workload").yAxisTitle("samples/s (log scale)").build();
            chart.getStyler().setYAxisLogarithmic(true);
            chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
            chart.getStyler().setChartBackgroundColor(Color.WHITE);
            chart.getStyler().setAvailableSpaceFill(0.8);
            boolean any = false;
            double lo = Double.POSITIVE_INFINITY;
            double hi = 0;
            for (Map.Entry<String, List<Double>> s : mode.getValue().entrySet()) {
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
            if (any) {
                // Bars start at zero unless told otherwise, which a log axis cannot show: span whole decades.
                chart.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(lo))));
                chart.getStyler().setYAxisMax(Math.pow(10, Math.ceil(Math.log10(hi * 1.0001))));
                images.add(BitmapEncoder.getBufferedImage(chart));
            }
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
