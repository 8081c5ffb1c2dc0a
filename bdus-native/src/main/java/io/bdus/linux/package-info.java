/**
 * JNA bindings to the Linux C library: only the calls bdus makes.
 */
package io.bdus.linux;
