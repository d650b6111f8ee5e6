package org.parley.server.media;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Iterator;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;
import org.parley.protocol.ApiException;
import org.parley.protocol.ErrorCode;

/**
 * What happens to a photo before it is kept, as WhatsApp does: JPEG and PNG are decoded and
 * written anew, which drops EXIF (GPS included) and every other metadata block, after turning
 * the picture the way its EXIF orientation said; a photo longer than {@code maxSide} is scaled
 * down; a thumbnail (at most 320 px) and a tiny blurred preview (a data URI of well under a
 * kilobyte, shown while the rest loads) are made. GIF (often animated) is kept as it is;
 * WebP and HEIC cannot be decoded by Java and are kept as they are.
 */
public final class ImageProcessor {
    /** The result: the file to keep (a new one, or the input), its type and size in pixels, and the extras. */
    public record Result(Path file, String contentType, int width, int height, byte[] thumbnailJpeg, int thumbnailWidth,
            int thumbnailHeight, String preview) {}

    static final int THUMBNAIL_SIDE = 320;
    static final int PREVIEW_SIDE = 24;
    /** Larger pictures are refused before decoding: a small file can claim a huge canvas. */
    static final long MAX_PIXELS = 256L * 1024 * 1024;
    private final int maxSide;

    public ImageProcessor(int maxSide) {
        this.maxSide = maxSide;
    }

    /** Null when the type is one Java cannot decode (kept as uploaded, with no thumbnail). */
    public Result process(Path input, String contentType, Path workDir) throws IOException {
        boolean jpeg = contentType.equals("image/jpeg");
        if (!jpeg && !contentType.equals("image/png")) return null;
        int orientation = jpeg ? exifOrientation(input) : 1;
        BufferedImage image = decode(input, maxSide);
        int w = image.getWidth(), h = image.getHeight();
        if (Math.max(w, h) > maxSide) { // scaled first, turned second: the turn then copies the small picture
            double f = (double) maxSide / Math.max(w, h);
            image = scale(image, Math.max(1, (int) Math.round(w * f)), Math.max(1, (int) Math.round(h * f)), jpeg);
        }
        image = orient(image, orientation);
        Path out = Files.createTempFile(workDir, "image-", ".part");
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out.toFile())) {
            if (jpeg) writeJpeg(image, ios, 0.85f);
            else ImageIO.write(image, "png", ios);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(out);
            throw e;
        }
        try {
            return extras(image, jpeg, out, contentType);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(out);
            throw e;
        }
    }

    private static Result extras(BufferedImage image, boolean jpeg, Path out, String contentType) throws IOException {
        BufferedImage opaque = jpeg ? image : flatten(image);
        BufferedImage thumb = fit(opaque, THUMBNAIL_SIDE);
        ByteArrayOutputStream thumbBytes = new ByteArrayOutputStream();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(thumbBytes)) {
            writeJpeg(thumb, ios, 0.8f);
        }
        BufferedImage tiny = blur(fit(opaque, PREVIEW_SIDE));
        ByteArrayOutputStream tinyBytes = new ByteArrayOutputStream();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(tinyBytes)) {
            writeJpeg(tiny, ios, 0.5f);
        }
        String preview = "data:image/jpeg;base64," + Base64.getEncoder().encodeToString(tinyBytes.toByteArray());
        return new Result(out, contentType, image.getWidth(), image.getHeight(), thumbBytes.toByteArray(), thumb.getWidth(),
                thumb.getHeight(), preview);
    }

    /** Width and height from the image's header, or null where Java cannot read the format (WebP, HEIC). */
    static int[] size(Path file) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) return null;
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) return null;
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return new int[] {reader.getWidth(0), reader.getHeight(0)};
            } catch (IOException | RuntimeException e) {
                throw new ApiException(ErrorCode.MEDIA_TYPE_REJECTED, "the image cannot be read: " + e.getMessage());
            } finally {
                reader.dispose();
            }
        }
    }

    /**
     * Decodes, skipping pixels (subsampling) when the picture is more than twice the size kept:
     * memory then follows what is kept, not what the camera took.
     */
    private static BufferedImage decode(Path input, int maxSide) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(input.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) throw rejected("the image cannot be read");
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > MAX_PIXELS) throw rejected("the image has " + pixels + " pixels; at most " + MAX_PIXELS + " are accepted");
                ImageReadParam param = reader.getDefaultReadParam();
                int step = (int) Math.ceil(Math.max(reader.getWidth(0), reader.getHeight(0)) / (2.0 * maxSide));
                if (step > 1) param.setSourceSubsampling(step, step, 0, 0);
                return reader.read(0, param);
            } catch (IOException | RuntimeException e) {
                if (e instanceof ApiException) throw e;
                throw rejected("the image cannot be read: " + e.getMessage());
            } finally {
                reader.dispose();
            }
        }
    }

    private static ApiException rejected(String why) {
        return new ApiException(ErrorCode.MEDIA_TYPE_REJECTED, why);
    }

    private static void writeJpeg(BufferedImage image, ImageOutputStream out, float quality) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try {
            ImageWriteParam p = writer.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(quality);
            writer.setOutput(out);
            writer.write(null, new IIOImage(rgb(image), null, null), p); // no metadata: nothing of the original's is carried over
        } finally {
            writer.dispose();
        }
    }

    private static BufferedImage rgb(BufferedImage image) {
        if (image.getType() == BufferedImage.TYPE_INT_RGB || image.getType() == BufferedImage.TYPE_3BYTE_BGR) return image;
        return flatten(image);
    }

    /** On white, without alpha (JPEG has none). */
    private static BufferedImage flatten(BufferedImage image) {
        BufferedImage out = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(java.awt.Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.drawImage(image, 0, 0, null);
        g.dispose();
        return out;
    }

    private static BufferedImage fit(BufferedImage image, int side) {
        int w = image.getWidth(), h = image.getHeight();
        if (Math.max(w, h) <= side) return image;
        double f = (double) side / Math.max(w, h);
        return scale(image, Math.max(1, (int) Math.round(w * f)), Math.max(1, (int) Math.round(h * f)), true);
    }

    /** Scales in halving steps (a single bilinear step from far away aliases badly). */
    private static BufferedImage scale(BufferedImage image, int w, int h, boolean opaque) {
        BufferedImage current = image;
        int cw = image.getWidth(), ch = image.getHeight();
        do {
            cw = Math.max(w, cw / 2);
            ch = Math.max(h, ch / 2);
            BufferedImage next = new BufferedImage(cw, ch, opaque ? BufferedImage.TYPE_INT_RGB : BufferedImage.TYPE_INT_ARGB);
            Graphics2D g = next.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(current, 0, 0, cw, ch, null);
            g.dispose();
            current = next;
        } while (cw != w || ch != h);
        return current;
    }

    /** A 3×3 box blur, twice: the preview hints at the picture without showing it. */
    private static BufferedImage blur(BufferedImage image) {
        BufferedImage current = image;
        for (int pass = 0; pass < 2; pass++) {
            int w = current.getWidth(), h = current.getHeight();
            BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int r = 0, g = 0, b = 0, n = 0;
                    for (int dy = -1; dy <= 1; dy++) {
                        for (int dx = -1; dx <= 1; dx++) {
                            int xx = x + dx, yy = y + dy;
                            if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
                            int p = current.getRGB(xx, yy);
                            r += (p >> 16) & 0xff;
                            g += (p >> 8) & 0xff;
                            b += p & 0xff;
                            n++;
                        }
                    }
                    out.setRGB(x, y, ((r / n) << 16) | ((g / n) << 8) | (b / n));
                }
            }
            current = out;
        }
        return current;
    }

    /** Turns the picture upright as EXIF orientation 1–8 says (the tag is dropped with the rest). */
    static BufferedImage orient(BufferedImage image, int orientation) {
        if (orientation <= 1 || orientation > 8) return image;
        int w = image.getWidth(), h = image.getHeight();
        boolean swap = orientation >= 5;
        AffineTransform t = new AffineTransform();
        switch (orientation) {
            case 2 -> { t.translate(w, 0); t.scale(-1, 1); }
            case 3 -> { t.translate(w, h); t.rotate(Math.PI); }
            case 4 -> { t.translate(0, h); t.scale(1, -1); }
            case 5 -> { t.rotate(-Math.PI / 2); t.scale(-1, 1); }
            case 6 -> { t.translate(h, 0); t.rotate(Math.PI / 2); }
            case 7 -> { t.scale(-1, 1); t.translate(-h, 0); t.translate(0, w); t.rotate(3 * Math.PI / 2); }
            case 8 -> { t.translate(0, w); t.rotate(3 * Math.PI / 2); }
            default -> { }
        }
        BufferedImage out = new BufferedImage(swap ? h : w, swap ? w : h,
                image.getColorModel().hasAlpha() ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.drawImage(image, t, null);
        g.dispose();
        return out;
    }

    /** The EXIF Orientation tag (0x0112) of a JPEG, or 1 when there is none or it cannot be read. */
    static int exifOrientation(Path jpeg) {
        try (InputStream raw = Files.newInputStream(jpeg); DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw))) {
            if (in.readUnsignedShort() != 0xFFD8) return 1;
            while (true) {
                int marker = in.readUnsignedShort();
                if ((marker & 0xFF00) != 0xFF00 || marker == 0xFFDA || marker == 0xFFD9) return 1; // image data: no EXIF before it
                int length = in.readUnsignedShort() - 2;
                if (length < 0) return 1;
                byte[] segment = new byte[length];
                in.readFully(segment);
                if (marker == 0xFFE1 && length > 14 && new String(segment, 0, 6, java.nio.charset.StandardCharsets.ISO_8859_1).equals("Exif\0\0")) {
                    return orientationFromTiff(segment, 6);
                }
            }
        } catch (IOException | RuntimeException e) {
            return 1;
        }
    }

    private static int orientationFromTiff(byte[] b, int base) {
        boolean little = b[base] == 'I';
        int ifd = base + u32(b, base + 4, little);
        int entries = u16(b, ifd, little);
        for (int i = 0; i < entries; i++) {
            int e = ifd + 2 + i * 12;
            if (u16(b, e, little) == 0x0112) return u16(b, e + 8, little);
        }
        return 1;
    }

    private static int u16(byte[] b, int at, boolean little) {
        int a = b[at] & 0xff, c = b[at + 1] & 0xff;
        return little ? a | c << 8 : a << 8 | c;
    }

    private static int u32(byte[] b, int at, boolean little) {
        return little ? u16(b, at, true) | u16(b, at + 2, true) << 16 : u16(b, at, false) << 16 | u16(b, at + 2, false);
    }
}
