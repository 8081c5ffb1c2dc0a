package io.bdus.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Sizes on the command line: a number of bytes, or a number with a unit K, M, G or T, each
 * a power of 1024, optionally followed by {@code iB} or {@code B} ({@code 256M},
 * {@code 256MiB} and {@code 256MB} are all 268435456 bytes).
 */
final class ByteSize {

    static final String UNITS_HELP = "bytes, or a number with K, M, G or T (powers of 1024: 256M = 256MiB = "
            + "256MB = 268435456)";

    private static final Pattern SIZE = Pattern.compile("(\\d{1,19})\\s*(?:([KMGT])(?:IB|B)?|B)?");

    private static final String UNITS = "KMGT";

    private ByteSize() {
    }

    /**
     * @throws IllegalArgumentException saying what a size looks like
     */
    static long parse(String text) {
        Matcher matcher = SIZE.matcher(text.strip().toUpperCase(Locale.ROOT));
        if (!matcher.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size: use " + UNITS_HELP);
        }
        int shift = (matcher.group(2) == null) ? 0 : 10 * (UNITS.indexOf(matcher.group(2)) + 1);
        long number;
        try {
            number = Long.parseLong(matcher.group(1));
        }
        catch (NumberFormatException ex) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
        if (shift > 0 && number > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
        return number << shift;
    }

    /** The largest unit that divides {@code bytes} exactly: "256 MiB", "1 GiB", "4097 bytes". */
    static String format(long bytes) {
        String[] units = { "KiB", "MiB", "GiB", "TiB" };
        for (int i = units.length - 1; i >= 0; i--) {
            long unit = 1L << (10 * (i + 1));
            if (bytes > 0 && bytes % unit == 0) {
                return (bytes / unit) + " " + units[i];
            }
        }
        return bytes + ((bytes == 1) ? " byte" : " bytes");
    }

    /** picocli's converter for {@code --size}. */
    static final class Converter implements ITypeConverter<Long> {

        @Override
        public Long convert(String value) {
            try {
                return parse(value);
            }
            catch (IllegalArgumentException ex) {
                throw new TypeConversionException(ex.getMessage());
            }
        }
    }
}
