package io.bdus.control;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A response: a status line ({@code ok}, or {@code error <kind>}) and {@code key=value}
 * lines. Keys may repeat ({@code user=} once per user of a device in use).
 *
 * @param error the error kind, or {@code null} for success
 * @param fields the key-value lines in order
 */
record ControlResponse(ErrorKind error, List<Map.Entry<String, String>> fields) {

    /** Longest response, every line included. */
    static final int MAX_LENGTH = 64 * 1024;

    private static final Pattern KEY = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    ControlResponse {
        fields = List.copyOf(fields);
        for (Map.Entry<String, String> field : fields) {
            if (!KEY.matcher(field.getKey()).matches()) {
                throw new IllegalArgumentException("not a response key: '" + field.getKey() + "'");
            }
            Objects.requireNonNull(field.getValue(), field.getKey());
        }
    }

    static ControlResponse ok(Map<String, String> fields) {
        return new ControlResponse(null, new ArrayList<>(fields.entrySet()));
    }

    static ControlResponse error(ErrorKind kind, String message, List<String> users) {
        List<Map.Entry<String, String>> fields = new ArrayList<>();
        fields.add(Map.entry("message", message));
        users.forEach(user -> fields.add(Map.entry("user", user)));
        return new ControlResponse(kind, fields);
    }

    /** The value of the first field named {@code key}, or {@code null}. */
    String get(String key) {
        return this.fields.stream().filter(field -> field.getKey().equals(key)).map(Map.Entry::getValue).findFirst()
            .orElse(null);
    }

    List<String> all(String key) {
        return this.fields.stream().filter(field -> field.getKey().equals(key)).map(Map.Entry::getValue).toList();
    }

    /** The fields as a map; for a key that repeats, the first value. */
    Map<String, String> asMap() {
        Map<String, String> map = new LinkedHashMap<>();
        this.fields.forEach(field -> map.putIfAbsent(field.getKey(), field.getValue()));
        return map;
    }

    String encode() {
        StringBuilder text = new StringBuilder((this.error == null) ? "ok" : "error " + this.error.word());
        text.append('\n');
        for (Map.Entry<String, String> field : this.fields) {
            text.append(field.getKey()).append('=').append(escape(field.getValue())).append('\n');
        }
        return text.toString();
    }

    /**
     * Reads a whole response.
     *
     * @throws IllegalArgumentException saying what is malformed
     */
    static ControlResponse decode(String text) {
        if (!text.endsWith("\n")) {
            throw new IllegalArgumentException("response does not end with a newline");
        }
        String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
        ErrorKind error;
        if (lines[0].equals("ok")) {
            error = null;
        }
        else if (lines[0].startsWith("error ")) {
            error = ErrorKind.of(lines[0].substring("error ".length()));
        }
        else {
            throw new IllegalArgumentException("bad status line '" + lines[0] + "'");
        }
        List<Map.Entry<String, String>> fields = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            int equals = lines[i].indexOf('=');
            if (equals <= 0) {
                throw new IllegalArgumentException("bad line " + (i + 1) + " in response");
            }
            fields.add(Map.entry(lines[i].substring(0, equals), unescape(lines[i].substring(equals + 1))));
        }
        return new ControlResponse(error, fields);
    }

    static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r");
    }

    static String unescape(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (++i == value.length()) {
                throw new IllegalArgumentException("value ends in an escape");
            }
            switch (value.charAt(i)) {
                case '\\' -> out.append('\\');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                default -> throw new IllegalArgumentException("bad escape \\" + value.charAt(i));
            }
        }
        return out.toString();
    }

    /** Why a request failed. */
    enum ErrorKind {

        /** The request was malformed or unknown. */
        BAD_REQUEST("bad-request"),
        /** The owner has no device of that name. */
        NO_SUCH_DEVICE("no-such-device"),
        /** The device is in use and the request was not forced; {@code user=} lines say by whom. */
        IN_USE("in-use"),
        /** The device cannot do that now. */
        REFUSED("refused"),
        /** The action was tried and failed. */
        FAILED("failed");

        private final String word;

        ErrorKind(String word) {
            this.word = word;
        }

        String word() {
            return this.word;
        }

        static ErrorKind of(String word) {
            for (ErrorKind kind : values()) {
                if (kind.word.equals(word)) {
                    return kind;
                }
            }
            throw new IllegalArgumentException("unknown error kind '" + word + "'");
        }
    }
}
