package io.bdus.control;

import java.io.IOException;
import java.util.List;

/** The owner of a device answered a control request with an error. */
public class ControlException extends IOException {

    private static final long serialVersionUID = 1L;

    private final String kind;

    private final transient List<String> users;

    ControlException(String kind, String message, List<String> users) {
        super(message);
        this.kind = kind;
        this.users = List.copyOf(users);
    }

    /** {@code no-such-device}, {@code in-use}, {@code refused}, {@code failed} or {@code bad-request}. */
    public String kind() {
        return this.kind;
    }

    /** Whether the device was in use and the request not forced. */
    public boolean inUse() {
        return "in-use".equals(this.kind);
    }

    /** Who uses the device, for an {@link #inUse()} error. */
    public List<String> users() {
        return this.users;
    }
}
