package io.bdus.device;

/** A device setting is out of its allowed range; names the setting, the value and the range. */
public class InvalidDeviceSpecException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String device;

    private final String field;

    private final transient Object value;

    private final String allowed;

    public InvalidDeviceSpecException(String device, String field, Object value, String allowed) {
        super("Invalid value " + value + " for '" + field + "' of device '" + device + "': " + allowed);
        this.device = device;
        this.field = field;
        this.value = value;
        this.allowed = allowed;
    }

    public String device() {
        return this.device;
    }

    /** The setting's name, in the kebab-case used by configuration ({@code logical-block-size}). */
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
