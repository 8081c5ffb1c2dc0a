package io.bdus.driver.rados;

/** A RADOS setting is out of its allowed range; names the setting, the value and the range. */
public class InvalidRadosSettingsException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String field;

    private final transient Object value;

    private final String allowed;

    public InvalidRadosSettingsException(String field, Object value, String allowed) {
        super("Invalid value " + value + " for RADOS setting '" + field + "': " + allowed);
        this.field = field;
        this.value = value;
        this.allowed = allowed;
    }

    /** The setting's name, in the kebab-case used by configuration ({@code object-size}). */
    public String field() {
        return this.field;
    }

    public Object value() {
        return this.value;
    }

    /** What would be accepted. */
    public String allowed() {
        return this.allowed;
    }
}
