package io.bdus.driver.rados;

import java.io.IOException;
import java.util.List;

/**
 * An image opened for serving: its header checked (or written, for a new image), its lock
 * taken, and an I/O context for its data objects. Closed by {@link #close}, which lets go of
 * the lock and the context once no operation is in flight.
 */
final class RadosImage {

    private final RadosSettings settings;

    private final ImageHeader header;

    private final long ioctx;

    private final ImageLock lock;

    private final ImageIo io;

    private final boolean created;

    private RadosImage(RadosSettings settings, ImageHeader header, long ioctx, ImageLock lock, ImageIo io,
            boolean created) {
        this.settings = settings;
        this.header = header;
        this.ioctx = ioctx;
        this.lock = lock;
        this.io = io;
        this.created = created;
    }

    /** The header object of an image. */
    static String headerObject(String image) {
        return image + ".header";
    }

    /**
     * Opens (creating it if it does not exist) the image of {@code settings} for {@code device}.
     * @throws ImageMismatchException naming both values if the image's header disagrees with
     *         the configuration, or {@link ImageInUseException} if another device holds the image
     */
    static RadosImage open(RadosConnection connection, RadosSettings settings, String device, long size)
            throws IOException {
        ImageHeader configured = new ImageHeader(ImageHeader.FORMAT, size, settings.objectSize());
        long ioctx = connection.ioctx(settings.pool());
        ImageLock lock = null;
        try {
            boolean created = createHeader(ioctx, settings, configured);
            if (!created) {
                check(readHeader(ioctx, settings), configured, settings);
            }
            lock = ImageLock.acquire(connection, settings, headerObject(settings.image()), device);
            String description = "RADOS image '" + settings.image() + "' in pool '" + settings.pool() + "' (device '"
                    + device + "')";
            ImageIo io = new ImageIo(ioctx, settings.image(), size, settings.objectSize(), description);
            return new RadosImage(settings, configured, ioctx, lock, io, created);
        }
        catch (IOException | RuntimeException ex) {
            if (lock != null) {
                lock.release();
            }
            Librados.rados_ioctx_destroy(ioctx);
            throw ex;
        }
    }

    /** Writes the header of a new image; false if the image exists already. */
    private static boolean createHeader(long ioctx, RadosSettings settings, ImageHeader header) throws IOException {
        byte[] bytes = header.encode();
        long op = Librados.rados_create_write_op();
        try {
            Librados.rados_write_op_create(op, Librados.CREATE_EXCLUSIVE, null);
            Librados.rados_write_op_write_full(op, bytes, bytes.length);
            int result = Librados.rados_write_op_operate(op, ioctx, headerObject(settings.image()), 0,
                    Librados.OPERATION_FULL_TRY);
            if (result == -RadosErrors.EEXIST) {
                return false;
            }
            if (result < 0) {
                throw new IOException("Cannot create image '" + settings.image() + "' in pool '" + settings.pool()
                        + "': " + RadosErrors.name(-result));
            }
            return true;
        }
        finally {
            Librados.rados_release_write_op(op);
        }
    }

    private static ImageHeader readHeader(long ioctx, RadosSettings settings) throws IOException {
        String oid = headerObject(settings.image());
        byte[] bytes = new byte[ImageHeader.MAX_LENGTH];
        int length = Librados.rados_read(ioctx, oid, bytes, bytes.length, 0);
        if (length < 0) {
            throw new IOException("Cannot read the header of image '" + settings.image() + "' in pool '"
                    + settings.pool() + "' (object " + oid + "): " + RadosErrors.name(-length));
        }
        try {
            return ImageHeader.parse(bytes, length);
        }
        catch (IllegalArgumentException ex) {
            throw new IOException("Object " + oid + " in pool '" + settings.pool() + "' is not the header of a bdus "
                    + "image: " + ex.getMessage() + ". Choose another image name.");
        }
    }

    private static void check(ImageHeader image, ImageHeader configured, RadosSettings settings) throws IOException {
        List<String> differences = image.differencesFrom(configured);
        if (!differences.isEmpty()) {
            throw new ImageMismatchException("RADOS image '" + settings.image() + "' in pool '" + settings.pool()
                    + "' does not match the configuration: " + String.join("; ", differences) + ". Configure size "
                    + image.size() + " and object size " + image.objectSize() + " to serve it, or choose another "
                    + "image name.");
        }
    }

    ImageIo io() {
        return this.io;
    }

    ImageHeader header() {
        return this.header;
    }

    RadosSettings settings() {
        return this.settings;
    }

    String lockCookie() {
        return this.lock.cookie();
    }

    /** Whether opening created the image. */
    boolean created() {
        return this.created;
    }

    /**
     * Waits up to {@code timeoutNanos} for operations in flight, then unlocks and closes.
     * @return false if operations were still in flight: the I/O context is then left open,
     *         since librados may still complete them
     */
    boolean close(long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (this.io.inFlight() > 0 && System.nanoTime() - deadline < 0) {
            Thread.sleep(10);
        }
        this.lock.release();
        if (this.io.inFlight() > 0) {
            return false;
        }
        Librados.rados_ioctx_destroy(this.ioctx);
        return true;
    }
}
