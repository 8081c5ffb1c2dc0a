package io.bdus.driver;

/** Whether the runtime may call a driver from several threads at once. */
public enum Concurrency {

    /** One call at a time; the runtime serializes every call to the driver. */
    SERIALIZED,

    /** Calls may overlap; the driver is thread-safe. */
    PARALLEL
}
