package io.bdus.cli;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Latencies on the command line: a number with a unit, {@code ns}, {@code us}, {@code ms} or {@code s}. */
final class Latency {

    static final String UNITS_HELP = "a number with ns, us, ms or s, e.g. 1ms or 250us";

    /** Longer than any backend a benchmark imitates, and than the longest request timeout. */
    static final Duration MAX = Duration.ofSeconds(60);

    private static final Pattern LATENCY = Pattern.compile("(\\d{1,12})\\s*(NS|US|MS|S)");

    private Latency() {
    }

    /**
     * @throws IllegalArgumentException saying what a latency looks like
     */
    static Duration parse(String text) {
        Matcher matcher = LATENCY.matcher(text.strip().toUpperCase(Locale.ROOT));
        if (!matcher.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a latency: use " + UNITS_HELP);
        }
        long number = Long.parseLong(matcher.group(1));
        Duration latency = switch (matcher.group(2)) {
            case "NS" -> Duration.ofNanos(number);
            case "US" -> Duration.ofNanos(number * 1000);
            case "MS" -> Duration.ofMillis(number);
            default -> Duration.ofSeconds(number);
        };
        if (latency.compareTo(MAX) > 0) {
            throw new IllegalArgumentException("'" + text + "' is longer than " + MAX.toSeconds() + "s");
        }
        return latency;
    }

    /** "1 ms", "250 us", "2 s". */
    static String format(Duration latency) {
        long nanos = latency.toNanos();
        if (nanos % 1_000_000_000L == 0 && nanos > 0) {
            return (nanos / 1_000_000_000L) + " s";
        }
        if (nanos % 1_000_000 == 0 && nanos > 0) {
            return (nanos / 1_000_000) + " ms";
        }
        if (nanos % 1000 == 0 && nanos > 0) {
            return (nanos / 1000) + " us";
        }
        return nanos + " ns";
    }

    /** picocli's converter for {@code --latency}. */
    static final class Converter implements ITypeConverter<Duration> {

        @Override
        public Duration convert(String value) {
            try {
                return parse(value);
            }
            catch (IllegalArgumentException ex) {
                throw new TypeConversionException(ex.getMessage());
            }
        }
    }
}
