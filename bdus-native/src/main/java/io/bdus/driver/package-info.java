/**
 * The driver API: what an application implements to serve a block device.
 */
package io.bdus.driver;
