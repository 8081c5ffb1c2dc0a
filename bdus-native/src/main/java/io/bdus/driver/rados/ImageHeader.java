package io.bdus.driver.rados;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What an image's header object records, as text (readable with {@code rados get}):
 * <pre>
 * bdus-rados-image
 * format 1
 * size 1073741824
 * object-size 4194304
 * </pre>
 *
 * @param format the layout version; this driver reads and writes {@link #FORMAT}
 * @param size the device size in bytes
 * @param objectSize bytes of the device each data object holds
 */
record ImageHeader(int format, long size, int objectSize) {

    static final int FORMAT = 1;

    private static final String MAGIC = "bdus-rados-image";

    /** The largest header this driver reads. */
    static final int MAX_LENGTH = 4096;

    byte[] encode() {
        return (MAGIC + "\nformat " + this.format + "\nsize " + this.size + "\nobject-size " + this.objectSize + "\n")
            .getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Reads a header.
     * @throws IllegalArgumentException saying what is wrong, if the bytes are not a header
     */
    static ImageHeader parse(byte[] bytes, int length) {
        String[] lines = new String(bytes, 0, length, StandardCharsets.US_ASCII).split("\n");
        if (lines.length == 0 || !lines[0].equals(MAGIC)) {
            throw new IllegalArgumentException("it does not start with '" + MAGIC + "'");
        }
        Map<String, String> fields = new HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            String[] field = lines[i].split(" ", 2);
            if (field.length == 2) {
                fields.put(field[0], field[1]);
            }
        }
        try {
            return new ImageHeader(Integer.parseInt(required(fields, "format")),
                    Long.parseLong(required(fields, "size")), Integer.parseInt(required(fields, "object-size")));
        }
        catch (NumberFormatException ex) {
            throw new IllegalArgumentException("a field is not a number (" + ex.getMessage() + ")");
        }
    }

    private static String required(Map<String, String> fields, String name) {
        String value = fields.get(name);
        if (value == null) {
            throw new IllegalArgumentException("it has no '" + name + "' line");
        }
        return value;
    }

    /** How this header (the image's) differs from {@code configured}, or an empty list. */
    List<String> differencesFrom(ImageHeader configured) {
        List<String> differences = new ArrayList<>();
        if (this.format != configured.format) {
            differences.add("format is " + this.format + " in the image but this driver writes " + configured.format);
        }
        if (this.size != configured.size) {
            differences.add("size is " + this.size + " in the image but " + configured.size + " in the configuration");
        }
        if (this.objectSize != configured.objectSize) {
            differences.add("object size is " + this.objectSize + " in the image but " + configured.objectSize
                    + " in the configuration");
        }
        return differences;
    }
}
