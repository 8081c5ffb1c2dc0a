package io.bdus.spring.boot;

/**
 * A new driver took over a block device: one someone asked for ({@link #PLANNED}), or, at
 * start-up, the device a previous run of the application left in place ({@link #RESTART})
 * or a recoverable device whose process died ({@link #CRASH}).
 */
public class BdusDeviceReplacedEvent extends BdusDeviceEvent {

    private static final long serialVersionUID = 1L;

    /** Reason of a replacement someone asked for (endpoint or Java call). */
    public static final String PLANNED = "planned";

    /** Reason of a take-over, at start-up, of a recoverable device whose process died. */
    public static final String CRASH = "crash";

    /** Reason of a take-over, at start-up, of a device a previous run left in place. */
    public static final String RESTART = "restart";

    private final int generation;

    private final String driverBean;

    private final String reason;

    public BdusDeviceReplacedEvent(ManagedDevice device, int generation, String driverBean, String reason) {
        super(device);
        this.generation = generation;
        this.driverBean = driverBean;
        this.reason = reason;
    }

    /**
     * How many drivers served the device before the new one.
     * @return the generation
     */
    public int getGeneration() {
        return this.generation;
    }

    /**
     * Name of the bean serving the device now.
     * @return the bean name
     */
    public String getDriverBean() {
        return this.driverBean;
    }

    /**
     * Why the driver was replaced: {@link #PLANNED}, {@link #RESTART} or {@link #CRASH}.
     * @return the reason
     */
    public String getReason() {
        return this.reason;
    }

}
