/**
 * What an application sees of its bdus block devices: the {@link BdusDeviceRegistry} of
 * devices, the {@link BdusDeviceActions} on them, their events, and the
 * {@link BdusDeviceRegistrar} and {@link BdusDeviceCustomizer} hooks that add or adjust
 * devices in code. The auto-configuration behind them lives in
 * {@code io.bdus.spring.boot.autoconfigure}.
 */
@NullMarked
package io.bdus.spring.boot;

import org.jspecify.annotations.NullMarked;
