package io.bdus.control;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One request line: {@code <verb> [<device> [<flag>...]]}. Every field is checked on both
 * sides; see the package documentation for the grammar.
 *
 * @param verb what to do
 * @param device the device name, or {@code null} for {@link Verb#NAMES}
 * @param force whether to act on a device in use ({@code detach}, {@code destroy})
 * @param flush whether to flush before tearing down ({@code destroy})
 */
public record ControlRequest(Verb verb, String device, boolean force, boolean flush) {

    /** Longest request line, newline included. */
    static final int MAX_LENGTH = 256;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,32}");

    public ControlRequest {
        Objects.requireNonNull(verb, "verb");
        if ((verb == Verb.NAMES) != (device == null)) {
            throw new IllegalArgumentException(verb == Verb.NAMES ? "'names' takes no device"
                    : "'" + verb.word + "' needs a device name");
        }
        if (device != null && !NAME.matcher(device).matches()) {
            throw new IllegalArgumentException("not a device name: '" + printable(device) + "'");
        }
        if (force && verb != Verb.DETACH && verb != Verb.DESTROY) {
            throw new IllegalArgumentException("'" + verb.word + "' takes no 'force'");
        }
        if (!flush && verb != Verb.DESTROY) {
            throw new IllegalArgumentException("only 'destroy' takes 'no-flush'");
        }
    }

    public static ControlRequest names() {
        return new ControlRequest(Verb.NAMES, null, false, true);
    }

    public static ControlRequest of(Verb verb, String device) {
        return new ControlRequest(verb, device, false, true);
    }

    /** The line sent, without its newline. */
    String toLine() {
        StringBuilder line = new StringBuilder(this.verb.word);
        if (this.device != null) {
            line.append(' ').append(this.device);
        }
        if (this.force) {
            line.append(" force");
        }
        if (!this.flush) {
            line.append(" no-flush");
        }
        return line.toString();
    }

    /**
     * Parses a request line (without its newline).
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    static ControlRequest parse(String line) {
        String[] words = line.split(" ", -1);
        Verb verb = Verb.of(words[0]);
        String device = (words.length > 1) ? words[1] : null;
        boolean force = false;
        boolean flush = true;
        List<String> seen = new ArrayList<>();
        for (int i = 2; i < words.length; i++) {
            String flag = words[i];
            if (seen.contains(flag)) {
                throw new IllegalArgumentException("repeated flag '" + printable(flag) + "'");
            }
            seen.add(flag);
            switch (flag) {
                case "force" -> force = true;
                case "no-flush" -> flush = false;
                default -> throw new IllegalArgumentException("unknown flag '" + printable(flag) + "'");
            }
        }
        return new ControlRequest(verb, device, force, flush);
    }

    private static String printable(String text) {
        String cut = (text.length() > 40) ? text.substring(0, 40) + "..." : text;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }

    /** What a request asks for. */
    public enum Verb {

        NAMES("names"), STATUS("status"), FLUSH("flush"), DETACH("detach"), DESTROY("destroy");

        private final String word;

        Verb(String word) {
            this.word = word;
        }

        public String word() {
            return this.word;
        }

        static Verb of(String word) {
            for (Verb verb : values()) {
                if (verb.word.equals(word)) {
                    return verb;
                }
            }
            throw new IllegalArgumentException("unknown verb '" + printable(word) + "'");
        }
    }
}
