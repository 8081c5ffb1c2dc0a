package io.bdus.driver;

/**
 * A driver that reports on the storage it serves from: {@code /actuator/bdus} and
 * {@code bdus info} show its details, and the device's health is DOWN, with the reason,
 * while the report names a problem.
 *
 * <p>Called from management threads while requests are served: it must return quickly and
 * never wait for the storage (start a check and report what is known instead).
 */
public interface ReportingDriver {

    /** What the driver knows now. */
    DriverReport report();
}
