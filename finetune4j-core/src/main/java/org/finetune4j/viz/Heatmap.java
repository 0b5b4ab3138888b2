package org.finetune4j.viz;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Heatmaps of attention probabilities as matplotlib figures of attention draw them: one panel per
 * matrix [query rows][key columns] with the tokens on both axes (keys written upwards under the
 * columns), the axes titled query and key, and a colour bar to its right; several panels in a grid
 * share a figure.
 */
public final class Heatmap implements Picture {

    /** A colour scale from {@code min} to {@code max}: sequential (viridis-like) or diverging (blue, white, red). */
    public record Scale(double min, double max, boolean diverging) {

        /** 0 to the largest value of the matrices (at least a tiny positive number). */
        public static Scale upTo(float[][]... ms) {
            return new Scale(0, Math.max(1e-6, largest(ms, false)), false);
        }

        /** Symmetric around 0 over the largest absolute value. */
        public static Scale symmetric(float[][]... ms) {
            double a = Math.max(1e-6, largest(ms, true));
            return new Scale(-a, a, true);
        }

        private static double largest(float[][][] ms, boolean abs) {
            double best = 0;
            for (float[][] m : ms) {
                for (float[] row : m) {
                    for (float v : row) {
                        best = Math.max(best, abs ? Math.abs(v) : v);
                    }
                }
            }
            return best;
        }

        Color color(double v) {
            double t = Math.max(0, Math.min(1, (v - min) / (max - min)));
            return diverging ? ramp(DIVERGING, t) : ramp(VIRIDIS, t);
        }
    }

    /** One matrix with its title and labels. */
    public record Panel(String title, float[][] values, List<String> rows, List<String> columns, Scale scale) {}

    private static final Color[] VIRIDIS = {new Color(68, 1, 84), new Color(59, 82, 139), new Color(33, 145, 140),
        new Color(94, 201, 98), new Color(253, 231, 37)};
    private static final Color[] DIVERGING = {new Color(33, 102, 172), new Color(146, 197, 222), Color.WHITE,
        new Color(244, 165, 130), new Color(178, 24, 43)};
    private static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 13);
    private static final int PAD = 12;
    private static final int BAR = 14;
    private static final int BAR_TEXT = 44;
    private static final int AXIS = 16; // room for an axis title

    private final String title;
    private final List<Panel> panels;
    private final int columns;
    private final int cell;
    private final int labelWidth;
    private final int panelWidth;
    private final int panelHeight;

    /** A figure of {@code panels} in rows of {@code columns}, under {@code title} (may be empty). */
    public Heatmap(String title, List<Panel> panels, int columns) {
        if (panels.isEmpty()) {
            throw new IllegalArgumentException("a heatmap needs at least one panel");
        }
        this.title = title;
        this.panels = List.copyOf(panels);
        this.columns = Math.max(1, Math.min(columns, panels.size()));
        int n = panels.stream().mapToInt(p -> Math.max(p.values().length, p.values()[0].length)).max().orElse(1);
        this.cell = Math.max(6, Math.min(28, 360 / Math.max(1, n)));
        FontMetrics fm = metrics();
        this.labelWidth = panels.stream().flatMap(p -> java.util.stream.Stream.concat(p.rows().stream(), p.columns().stream()))
                .mapToInt(fm::stringWidth).max().orElse(0) + 6;
        int cols = panels.stream().mapToInt(p -> p.values()[0].length).max().orElse(1);
        int rows = panels.stream().mapToInt(p -> p.values().length).max().orElse(1);
        this.panelWidth = AXIS + labelWidth + cols * cell + PAD + BAR + BAR_TEXT + PAD;
        this.panelHeight = 22 + rows * cell + labelWidth + AXIS + PAD;
    }

    @Override
    public int width() {
        return columns * panelWidth + PAD;
    }

    @Override
    public int height() {
        int gridRows = (panels.size() + columns - 1) / columns;
        return (title.isEmpty() ? 0 : 28) + gridRows * panelHeight + PAD;
    }

    @Override
    public void paint(Graphics2D g) {
        int top = 0;
        if (!title.isEmpty()) {
            g.setFont(TITLE);
            g.setColor(Color.BLACK);
            g.drawString(title, PAD, 20);
            top = 28;
        }
        for (int i = 0; i < panels.size(); i++) {
            int x = PAD + (i % columns) * panelWidth;
            int y = top + (i / columns) * panelHeight;
            panel(g, panels.get(i), x, y);
        }
    }

    private void panel(Graphics2D g, Panel p, int x0, int y0) {
        g.setFont(TITLE);
        g.setColor(Color.BLACK);
        g.drawString(p.title(), x0, y0 + 14);
        int gx = x0 + AXIS + labelWidth;
        int gy = y0 + 22;
        float[][] m = p.values();
        axisTitles(g, gx, gy, m[0].length * cell, m.length * cell, x0);
        for (int r = 0; r < m.length; r++) {
            for (int c = 0; c < m[r].length; c++) {
                g.setColor(p.scale().color(m[r][c]));
                g.fillRect(gx + c * cell, gy + r * cell, cell, cell);
            }
        }
        g.setColor(Color.GRAY);
        g.setStroke(new BasicStroke(1f));
        g.drawRect(gx, gy, m[0].length * cell, m.length * cell);
        g.setFont(LABEL);
        g.setColor(Color.BLACK);
        FontMetrics fm = g.getFontMetrics();
        boolean every = cell >= fm.getHeight() - 3;
        for (int r = 0; r < p.rows().size(); r++) {
            if (every || r % 2 == 0) {
                String s = p.rows().get(r);
                g.drawString(s, gx - 4 - fm.stringWidth(s), gy + r * cell + (cell + fm.getAscent()) / 2 - 1);
            }
        }
        AffineTransform saved = g.getTransform();
        for (int c = 0; c < p.columns().size(); c++) {
            if (every || c % 2 == 0) {
                String s = p.columns().get(c);
                int cx = gx + c * cell + (cell + fm.getAscent()) / 2 - 1;
                int cy = gy + m.length * cell + 4 + fm.stringWidth(s);
                g.translate(cx, cy);
                g.rotate(-Math.PI / 2);
                g.drawString(s, 0, 0);
                g.setTransform(saved);
            }
        }
        colourBar(g, p.scale(), gx + m[0].length * cell + PAD, gy, m.length * cell);
    }

    /** "query" up the left of the rows' tokens, "key" under the columns' tokens. */
    private void axisTitles(Graphics2D g, int gx, int gy, int w, int h, int x0) {
        g.setFont(LABEL);
        g.setColor(Color.DARK_GRAY);
        FontMetrics fm = g.getFontMetrics();
        g.drawString("key", gx + (w - fm.stringWidth("key")) / 2, gy + h + labelWidth + fm.getAscent() + 2);
        AffineTransform saved = g.getTransform();
        g.translate(x0 + fm.getAscent(), gy + (h + fm.stringWidth("query")) / 2);
        g.rotate(-Math.PI / 2);
        g.drawString("query", 0, 0);
        g.setTransform(saved);
    }

    private static void colourBar(Graphics2D g, Scale s, int x, int y, int h) {
        h = Math.max(h, 60);
        for (int i = 0; i < h; i++) {
            g.setColor(s.color(s.max() - (s.max() - s.min()) * i / (h - 1.0)));
            g.fillRect(x, y + i, BAR, 1);
        }
        g.setColor(Color.GRAY);
        g.drawRect(x, y, BAR, h);
        g.setColor(Color.BLACK);
        g.setFont(LABEL);
        FontMetrics fm = g.getFontMetrics();
        double[] ticks = {s.max(), (s.max() + s.min()) / 2, s.min()};
        for (int i = 0; i < ticks.length; i++) {
            int ty = y + (int) Math.round(i * (h - 1) / 2.0);
            g.drawLine(x + BAR, ty, x + BAR + 3, ty);
            g.drawString(String.format(java.util.Locale.ROOT, "%.2f", ticks[i]), x + BAR + 5, ty + fm.getAscent() / 2 - 1);
        }
    }

    private static FontMetrics metrics() {
        System.setProperty("java.awt.headless", "true");
        Graphics2D g = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
        try {
            return g.getFontMetrics(LABEL);
        } finally {
            g.dispose();
        }
    }

    private static Color ramp(Color[] stops, double t) {
        double pos = t * (stops.length - 1);
        int i = Math.min(stops.length - 2, (int) Math.floor(pos));
        double f = pos - i;
        Color a = stops[i];
        Color b = stops[i + 1];
        return new Color((int) Math.round(a.getRed() + f * (b.getRed() - a.getRed())),
                (int) Math.round(a.getGreen() + f * (b.getGreen() - a.getGreen())),
                (int) Math.round(a.getBlue() + f * (b.getBlue() - a.getBlue())));
    }
}
