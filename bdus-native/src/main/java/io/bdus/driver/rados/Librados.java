package io.bdus.driver.rados;

import com.sun.jna.Callback;
import com.sun.jna.CallbackReference;
import com.sun.jna.CallbackThreadInitializer;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import io.bdus.linux.SupportedPlatform;
import java.nio.ByteBuffer;

/**
 * The librados C calls the driver makes, bound by JNA direct mapping to {@code librados.so.2}
 * (the runtime library; its {@code -dev} package is not needed). The class is loaded only when
 * a RADOS driver is used, so nothing else needs Ceph installed.
 *
 * <p>Handles ({@code rados_t}, {@code rados_ioctx_t}, completions, write ops) and the object
 * names of the I/O path are passed as {@code long} addresses, and payloads as direct
 * {@code ByteBuffer}s (JNA passes the address of the buffer's position), so that a request
 * allocates nothing in Java. Every call returns a negative errno on failure, never sets errno.
 */
final class Librados {

    /** {@code LIBRADOS_OPERATION_FULL_TRY}: fail with ENOSPC or EDQUOT on a full pool instead of waiting. */
    static final int OPERATION_FULL_TRY = 64;

    /** {@code LIBRADOS_CREATE_EXCLUSIVE}. */
    static final int CREATE_EXCLUSIVE = 1;

    static final String LIBRARY = "librados.so.2";

    static {
        SupportedPlatform.checkCurrent();
        NativeLibrary library;
        try {
            library = NativeLibrary.getInstance(LIBRARY);
        }
        catch (UnsatisfiedLinkError ex) {
            throw new UnsatisfiedLinkError(LIBRARY + " cannot be loaded (" + ex.getMessage()
                    + "); install Ceph's client library, e.g. 'apt-get install librados2'");
        }
        Native.register(Librados.class, library);
    }

    private Librados() {
    }

    /** {@code rados_callback_t}: called on a librados thread when an asynchronous operation completes. */
    interface AioCallback extends Callback {

        void invoke(long completion, long argument);
    }

    /**
     * The native address of {@code callback}, which must stay reachable for as long as librados
     * may call it. librados' threads calling it stay attached to the JVM between calls.
     */
    static long functionPointer(AioCallback callback, String threadName) {
        Native.setCallbackThreadInitializer(callback, new CallbackThreadInitializer(true, false, threadName));
        return Pointer.nativeValue(CallbackReference.getFunctionPointer(callback));
    }

    // Cluster handles (rados_t) and pools (rados_ioctx_t); out parameters are one-element arrays.

    static native int rados_create2(long[] cluster, String clusterName, String name, long flags);

    static native int rados_conf_read_file(long cluster, String path);

    static native int rados_conf_set(long cluster, String option, String value);

    static native int rados_conf_get(long cluster, String option, byte[] buffer, long length);

    static native int rados_connect(long cluster);

    static native void rados_shutdown(long cluster);

    static native int rados_cluster_fsid(long cluster, byte[] buffer, long length);

    static native long rados_get_instance_id(long cluster);

    static native int rados_blocklist_add(long cluster, String clientAddress, int expireSeconds);

    static native int rados_ioctx_create(long cluster, String pool, long[] ioctx);

    static native void rados_ioctx_destroy(long ioctx);

    // Synchronous calls on the header object (start-up and shut-down only).

    static native int rados_read(long ioctx, String oid, byte[] buffer, long length, long offset);

    static native int rados_write_op_operate(long writeOp, long ioctx, String oid, long mtime, int flags);

    static native void rados_write_op_create(long writeOp, int exclusive, String category);

    static native void rados_write_op_write_full(long writeOp, byte[] buffer, long length);

    static native int rados_lock_exclusive(long ioctx, String oid, String name, String cookie, String description,
            Pointer duration, byte flags);

    static native int rados_unlock(long ioctx, String oid, String name, String cookie);

    static native long rados_list_lockers(long ioctx, String oid, String name, int[] exclusive, byte[] tag,
            long[] tagLength, byte[] clients, long[] clientsLength, byte[] cookies, long[] cookiesLength,
            byte[] addresses, long[] addressesLength);

    static native int rados_break_lock(long ioctx, String oid, String name, String client, String cookie);

    static native int rados_remove(long ioctx, String oid);

    // The asynchronous I/O path: nothing here allocates in Java.

    static native int rados_aio_create_completion2(long argument, long callback, long completionOut);

    static native int rados_aio_get_return_value(long completion);

    static native void rados_aio_release(long completion);

    static native int rados_aio_read(long ioctx, long oid, long completion, ByteBuffer buffer, long length,
            long offset);

    static native int rados_aio_flush_async(long ioctx, long completion);

    static native int rados_aio_stat(long ioctx, long oid, long completion, long sizeOut, long mtimeOut);

    static native long rados_create_write_op();

    static native void rados_release_write_op(long writeOp);

    static native void rados_write_op_write(long writeOp, ByteBuffer buffer, long length, long offset);

    static native void rados_write_op_zero(long writeOp, long offset, long length);

    static native void rados_write_op_truncate(long writeOp, long offset);

    static native void rados_write_op_remove(long writeOp);

    static native void rados_write_op_assert_exists(long writeOp);

    static native int rados_aio_write_op_operate(long writeOp, long ioctx, long completion, long oid, long mtime,
            int flags);
}
