package io.bdus.spring.boot.autoconfigure;

/**
 * A new driver took over a block device.
 */
public class BdusDeviceReplacedEvent extends BdusDeviceEvent {

    private static final long serialVersionUID = 1L;

    /** Reason of a replacement someone asked for (endpoint or Java call). */
    public static final String PLANNED = "planned";

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
     * Why the driver was replaced, e.g. {@link #PLANNED}.
     * @return the reason
     */
    public String getReason() {
        return this.reason;
    }

}
