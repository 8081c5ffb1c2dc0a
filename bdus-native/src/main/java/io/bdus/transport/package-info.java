/**
 * The transport SPI: how the device runtime reaches the kernel's block layer.
 */
package io.bdus.transport;
