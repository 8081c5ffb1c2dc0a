package io.bdus.spring.boot.autoconfigure;

/**
 * A {@code bdus.*} property has a value the application cannot start with. Names the
 * property, the value, what is allowed and what to change; {@link BdusFailureAnalyzer}
 * turns it into the start-up failure report.
 */
public class InvalidBdusConfigurationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String property;

    private final String value;

    private final String allowed;

    private final String action;

    /**
     * Creates an exception whose suggested action is to change the property to an allowed
     * value.
     * @param property full property name, e.g. {@code bdus.devices.disk0.size}
     * @param value the value as configured
     * @param allowed what the property accepts
     */
    public InvalidBdusConfigurationException(String property, Object value, String allowed) {
        this(property, value, allowed, "Change '" + property + "' to " + allowed + ".");
    }

    /**
     * Creates an exception with its own suggested action.
     * @param property full property name, e.g. {@code bdus.devices.disk0.size}
     * @param value the value as configured
     * @param allowed what the property accepts
     * @param action what to change
     */
    public InvalidBdusConfigurationException(String property, Object value, String allowed, String action) {
        this(property, value, allowed, action, null);
    }

    InvalidBdusConfigurationException(String property, Object value, String allowed, String action,
            Throwable cause) {
        super("Invalid value '" + value + "' for property '" + property + "': allowed is " + allowed, cause);
        this.property = property;
        this.value = String.valueOf(value);
        this.allowed = allowed;
        this.action = action;
    }

    /**
     * Full name of the property.
     * @return the property name
     */
    public String getProperty() {
        return this.property;
    }

    /**
     * The value as configured, or {@code (not set)}.
     * @return the value
     */
    public String getValue() {
        return this.value;
    }

    /**
     * What the property accepts.
     * @return the allowed values
     */
    public String getAllowed() {
        return this.allowed;
    }

    /**
     * What to change.
     * @return the suggested action
     */
    public String getAction() {
        return this.action;
    }

}
