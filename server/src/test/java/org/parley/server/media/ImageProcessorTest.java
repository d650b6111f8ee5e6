package org.parley.server.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageProcessorTest {
    @TempDir
    Path dir;

    /** A picture whose top-left corner is red, the rest white: where red ends up shows the turn. */
    private static BufferedImage marked(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, Color.WHITE.getRGB());
        for (int y = 0; y < 4; y++) for (int x = 0; x < 4; x++) img.setRGB(x, y, Color.RED.getRGB());
        return img;
    }

    private static boolean red(BufferedImage img, int x, int y) {
        return (img.getRGB(x, y) & 0xffffff) == 0xff0000;
    }

    @Test
    void everyExifOrientationEndsUpright() {
        BufferedImage img = marked(8, 6);
        // Where the stored top-left pixel is shown for each orientation (EXIF 2.32, tag 0x0112).
        assertThat(red(ImageProcessor.orient(img, 1), 0, 0)).isTrue();
        assertThat(red(ImageProcessor.orient(img, 2), 7, 0)).isTrue();
        assertThat(red(ImageProcessor.orient(img, 3), 7, 5)).isTrue();
        assertThat(red(ImageProcessor.orient(img, 4), 0, 5)).isTrue();
        BufferedImage five = ImageProcessor.orient(img, 5);
        assertThat(five.getWidth()).isEqualTo(6);
        assertThat(red(five, 0, 0)).isTrue();
        assertThat(red(ImageProcessor.orient(img, 6), 5, 0)).isTrue();
        assertThat(red(ImageProcessor.orient(img, 7), 5, 7)).isTrue();
        assertThat(red(ImageProcessor.orient(img, 8), 0, 7)).isTrue();
    }

    @Test
    void aLargePhotoIsScaledDownAndGetsAThumbnailAndATinyPreview() throws Exception {
        Path big = dir.resolve("big.jpg");
        ImageIO.write(marked(2400, 1200), "jpg", big.toFile());
        ImageProcessor.Result r = new ImageProcessor(1600).process(big, "image/jpeg", dir);
        assertThat(r.width()).isEqualTo(1600);
        assertThat(r.height()).isEqualTo(800);
        BufferedImage stored = ImageIO.read(r.file().toFile());
        assertThat(stored.getWidth()).isEqualTo(1600);
        assertThat(Math.max(r.thumbnailWidth(), r.thumbnailHeight())).isEqualTo(320);
        assertThat(ImageIO.read(new java.io.ByteArrayInputStream(r.thumbnailJpeg())).getWidth()).isEqualTo(r.thumbnailWidth());
        assertThat(r.preview()).startsWith("data:image/jpeg;base64,").hasSizeLessThan(1500);
    }

    @Test
    void aPngStaysAPngAndOtherFormatsAreLeftAlone() throws Exception {
        Path png = dir.resolve("shot.png");
        BufferedImage alpha = new BufferedImage(100, 50, BufferedImage.TYPE_INT_ARGB);
        ImageIO.write(alpha, "png", png.toFile());
        ImageProcessor.Result r = new ImageProcessor(1600).process(png, "image/png", dir);
        assertThat(r.contentType()).isEqualTo("image/png");
        assertThat(ImageIO.read(r.file().toFile()).getColorModel().hasAlpha()).as("transparency kept").isTrue();
        assertThat(new ImageProcessor(1600).process(png, "image/gif", dir)).as("GIFs are kept as uploaded").isNull();
        assertThat(Files.size(r.file())).isPositive();
    }
}
