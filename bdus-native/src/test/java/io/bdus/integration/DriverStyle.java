package io.bdus.integration;

import io.bdus.driver.AsyncBlockDriver;
import io.bdus.driver.BlockDriver;
import io.bdus.testing.ThreadPoolAsyncDriver;

/**
 * How the contract suite's drivers answer: before returning, or later from another thread.
 * Tests that take a style run once with each.
 */
enum DriverStyle {

    /** The driver as written: each call answers before it returns. */
    BLOCKING,

    /** The same driver behind an asynchronous one that completes every request on another thread. */
    ASYNC;

    /** {@code driver} in this style; a driver that is asynchronous already (RADOS) is served as it is. */
    BlockDriver serve(BlockDriver driver) {
        return (this == ASYNC && !(driver instanceof AsyncBlockDriver)) ? new ThreadPoolAsyncDriver(driver) : driver;
    }
}
