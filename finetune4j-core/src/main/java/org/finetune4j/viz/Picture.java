package org.finetune4j.viz;

import de.erichseifert.vectorgraphics2d.Processors;
import de.erichseifert.vectorgraphics2d.VectorGraphics2D;
import de.erichseifert.vectorgraphics2d.util.PageSize;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.finetune4j.Finetune4jException;
import org.finetune4j.io.AtomicFile;

/**
 * Something drawn with Java2D at a fixed size, written as PNG (a BufferedImage) or SVG (the same
 * drawing calls recorded by VectorGraphics2D). Headless: no display is needed.
 */
public interface Picture {

    int width();

    int height();

    /** Draws on {@code g}, whose origin is the picture's top left corner. */
    void paint(Graphics2D g);

    /** Writes PNG or SVG by the file's extension, through a temporary file and a rename. */
    default void write(Path file) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean svg = name.endsWith(".svg");
        if (!svg && !name.endsWith(".png")) {
            throw new Finetune4jException(file + ": the image name must end in .png or .svg");
        }
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        AtomicFile.write(file, out -> {
            if (svg) {
                writeSvg(out);
            } else {
                ImageIO.write(image(), "png", out);
            }
        });
    }

    /** The picture as PNG bytes. */
    default byte[] png() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image(), "png", out);
        return out.toByteArray();
    }

    /** The picture on a white background. */
    default BufferedImage image() {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(width(), height(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width(), height());
            paint(g);
        } finally {
            g.dispose();
        }
        return img;
    }

    /** The picture as an SVG document. */
    default void writeSvg(OutputStream out) throws IOException {
        System.setProperty("java.awt.headless", "true");
        VectorGraphics2D g = new VectorGraphics2D();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width(), height());
        paint(g);
        Processors.get("svg").getDocument(g.getCommands(), new PageSize(0, 0, width(), height())).writeTo(out);
    }
}
