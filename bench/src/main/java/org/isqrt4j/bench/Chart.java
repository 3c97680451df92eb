package org.isqrt4j.bench;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
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

    /**
     * One bar chart: a value per contender per workload, and optionally a reference value (a peak) beside them.
     *
     * @param title   panel title
     * @param yTitle  y axis title
     * @param log     log scale (whole decades)
     * @param series  contender, then a value per workload (NaN where it did not run)
     * @param refName legend name of the reference value (drawn as a grey bar per workload), or "" for none
     * @param ref     its value, or empty for none
     */
    record Panel(String title, String yTitle, boolean log, Map<String, double[]> series, String refName,
                 OptionalDouble ref) {
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
                    .title(p.title()).xAxisTitle("workload").yAxisTitle(p.yTitle()).build();
            chart.getStyler().setYAxisLogarithmic(p.log());
            chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
            chart.getStyler().setChartBackgroundColor(Color.WHITE);
            chart.getStyler().setAvailableSpaceFill(0.8);
            boolean any = false;
            double lo = Double.POSITIVE_INFINITY;
            double hi = 0;
            for (Map.Entry<String, double[]> s : p.series().entrySet()) {
                List<Number> ys = new ArrayList<>();
                boolean has = false;
                for (double v : s.getValue()) {
                    boolean ok = v > 0 && Double.isFinite(v);
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
            double refValue = p.ref().orElse(Double.NaN);
            if (refValue > 0 && Double.isFinite(refValue)) {
                List<Number> peak = new ArrayList<>();
                for (int i = 0; i < workloads.size(); i++) {
                    peak.add(refValue);
                }
                // a grey bar beside each workload's bars (an overlaid line lands off the category centres in XChart)
                CategorySeries ref = chart.addSeries(p.refName(), new ArrayList<>(workloads), peak);
                ref.setFillColor(Color.LIGHT_GRAY);
                lo = Math.min(lo, refValue);
                hi = Math.max(hi, refValue);
            }
            if (p.log()) {
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

    /**
     * The report's chart: samples/s (log scale) and effective GFLOP/s (with the all-thread FMA peak beside them),
     * forward and forward+backward, every contender of the plan a series.
     *
     * @param png  PNG to write
     * @param plan the run's plan
     * @param r    its results
     * @throws IOException if the file cannot be written, or nothing ran
     */
    static void layer(Path png, Plan plan, Results r) throws IOException {
        List<String> labels = new ArrayList<>();
        for (Workload w : plan.workloads()) {
            labels.add(w.id());
        }
        List<Panel> panels = new ArrayList<>();
        String run = plan.profile() + ", " + plan.threads() + " threads";
        for (boolean gflops : new boolean[] {false, true}) {
            for (String mode : List.of(LayerBenchmark.FORWARD, LayerBenchmark.FORWARD_BACKWARD)) {
                Map<String, double[]> series = new LinkedHashMap<>();
                for (String id : plan.backends()) {
                    double[] ys = new double[plan.workloads().size()];
                    for (int i = 0; i < ys.length; i++) {
                        Optional<LayerRow> row = r.find(id, plan.workloads().get(i), mode);
                        ys[i] = row.isEmpty() ? Double.NaN
                                : (gflops ? row.get().gflops() : row.get().samplesPerS()).orElse(Double.NaN);
                    }
                    series.put(id, ys);
                }
                panels.add(gflops
                        ? new Panel("isqrt4j effective GFLOP/s (" + run + ") - " + mode, "GFLOP/s (straightforward count)",
                                false, series, "FMA peak, " + plan.threads() + " threads", r.peak().on(plan.threads()))
                        : new Panel("isqrt4j samples/s (" + run + ") - " + mode, "samples/s (log scale)",
                                true, series, "", OptionalDouble.empty()));
            }
        }
        write(png, labels, panels);
    }
}
