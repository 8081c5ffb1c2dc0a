package io.bdus.driver.rados;

import io.bdus.linux.LibC;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The exclusive RADOS lock on an image's header object that makes one device at a time serve
 * the image. Within this process the lock is a lease: a driver replacing another on the same
 * device (and connection) shares it, and the last one to let go unlocks. Another device, in
 * this or another process, is refused, naming the holder; with break-lock a holder that
 * crashed is blocklisted (so it can never write again) before its lock is broken.
 */
final class ImageLock {

    static final String NAME = "bdus";

    /** How long a broken holder stays blocklisted: longer than any request of it could wait. */
    private static final int BLOCKLIST_SECONDS = 24 * 3600;

    private static final Logger logger = LoggerFactory.getLogger(ImageLock.class);

    private record Target(String fsid, String pool, String image) {
    }

    private static final class Lease {

        final String device;

        final String cookie;

        final RadosConnection connection;

        final long ioctx;

        final String headerOid;

        int holders;

        Lease(String device, String cookie, RadosConnection connection, long ioctx, String headerOid) {
            this.device = device;
            this.cookie = cookie;
            this.connection = connection;
            this.ioctx = ioctx;
            this.headerOid = headerOid;
        }
    }

    private static final Map<Target, Lease> held = new HashMap<>();

    private final Target target;

    private final Lease lease;

    private boolean released;

    private ImageLock(Target target, Lease lease) {
        this.target = target;
        this.lease = lease;
    }

    /** A locker of the header object, as RADOS lists it. */
    record Holder(String client, String cookie, String address) {

        @Override
        public String toString() {
            String device = describeCookie(this.cookie);
            return this.client + " at " + this.address + (device.isEmpty() ? "" : " (" + device + ")");
        }
    }

    /**
     * Takes the image for {@code device}. The lease keeps an I/O context of its own, so that
     * it outlives the driver that took it when a successor shares it.
     * @throws ImageInUseException if another device holds it and {@code settings.breakLock()} is off
     */
    static ImageLock acquire(RadosConnection connection, RadosSettings settings, String headerOid, String device)
            throws IOException {
        Target target = new Target(connection.fsid(), settings.pool(), settings.image());
        synchronized (held) {
            Lease lease = held.get(target);
            if (lease != null) {
                if (!lease.device.equals(device) || lease.connection != connection) {
                    throw new ImageInUseException("Image '" + settings.image() + "' in pool '" + settings.pool()
                            + "' is served by device '" + lease.device + "' of this process already; an image is "
                            + "served by one device at a time");
                }
                lease.holders++;
                return new ImageLock(target, lease);
            }
            long ioctx = connection.ioctx(settings.pool());
            try {
                lease = take(connection, ioctx, settings, headerOid, device);
            }
            catch (IOException | RuntimeException ex) {
                Librados.rados_ioctx_destroy(ioctx);
                throw ex;
            }
            held.put(target, lease);
            return new ImageLock(target, lease);
        }
    }

    private static Lease take(RadosConnection connection, long ioctx, RadosSettings settings, String headerOid,
            String device) throws IOException {
        String cookie = cookie(device);
        int result = lock(ioctx, headerOid, cookie, device);
        if (result == -RadosErrors.EBUSY || result == -RadosErrors.EEXIST) {
            List<Holder> holders = holders(ioctx, headerOid);
            if (!settings.breakLock()) {
                throw new ImageInUseException("Image '" + settings.image() + "' in pool '" + settings.pool()
                        + "' is in use: locked by " + (holders.isEmpty() ? "another client"
                        : String.join(", ", holders.stream().map(Holder::toString).toList()))
                        + ". An image is served by one device at a time. If that holder is gone (its process "
                        + "crashed or its machine is down), serve the image with break-lock, which blocklists "
                        + "the old client before it takes the lock");
            }
            for (Holder holder : holders) {
                breakLock(connection, ioctx, headerOid, holder);
            }
            result = lock(ioctx, headerOid, cookie, device);
        }
        if (result < 0) {
            throw new IOException("Cannot lock image '" + settings.image() + "' in pool '" + settings.pool() + "': "
                    + RadosErrors.name(-result));
        }
        Lease lease = new Lease(device, cookie, connection, ioctx, headerOid);
        lease.holders = 1;
        return lease;
    }

    private static int lock(long ioctx, String headerOid, String cookie, String device) {
        return Librados.rados_lock_exclusive(ioctx, headerOid, NAME, cookie, "bdus device '" + device + "'", null,
                (byte) 0);
    }

    private static void breakLock(RadosConnection connection, long ioctx, String headerOid, Holder holder)
            throws IOException {
        // Fence first: a holder that is only slow, not dead, must not write after we take over.
        connection.blocklist(holder.address(), BLOCKLIST_SECONDS);
        int result = Librados.rados_break_lock(ioctx, headerOid, NAME, holder.client(), holder.cookie());
        if (result < 0 && result != -RadosErrors.ENOENT) {
            throw new IOException("Cannot break the lock of " + holder + ": " + RadosErrors.name(-result));
        }
        logger.warn("Broke the lock of {} on {} (break-lock); that client is blocklisted for {} h", holder, headerOid,
                BLOCKLIST_SECONDS / 3600);
    }

    /** The clients holding the lock on {@code headerOid}. */
    static List<Holder> holders(long ioctx, String headerOid) throws IOException {
        int capacity = 4096;
        while (true) {
            byte[] tag = new byte[capacity];
            byte[] clients = new byte[capacity];
            byte[] cookies = new byte[capacity];
            byte[] addresses = new byte[capacity];
            long[] tagLength = { capacity };
            long[] clientsLength = { capacity };
            long[] cookiesLength = { capacity };
            long[] addressesLength = { capacity };
            long count = Librados.rados_list_lockers(ioctx, headerOid, NAME, new int[1], tag, tagLength, clients,
                    clientsLength, cookies, cookiesLength, addresses, addressesLength);
            if (count == -RadosErrors.ERANGE && capacity < (1 << 20)) {
                capacity *= 8;
                continue;
            }
            if (count < 0) {
                throw new IOException("Cannot list the lockers of " + headerOid + ": "
                        + RadosErrors.name((int) -count));
            }
            List<String> clientList = strings(clients, count);
            List<String> cookieList = strings(cookies, count);
            List<String> addressList = strings(addresses, count);
            List<Holder> holders = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                holders.add(new Holder(clientList.get(i), cookieList.get(i), addressList.get(i)));
            }
            return holders;
        }
    }

    private static List<String> strings(byte[] bytes, long count) {
        List<String> strings = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < bytes.length && strings.size() < count; i++) {
            if (bytes[i] == 0) {
                strings.add(new String(bytes, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        while (strings.size() < count) {
            strings.add("?");
        }
        return strings;
    }

    /** A cookie that says who holds the lock: {@code bdus:<device>:<pid>@<host>:<random>}. */
    private static String cookie(String device) {
        return "bdus:" + device + ":" + LibC.getpid() + "@" + hostName() + ":"
                + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String describeCookie(String cookie) {
        String[] parts = cookie.split(":");
        if (parts.length != 4 || !parts[0].equals("bdus")) {
            return "";
        }
        String[] process = parts[2].split("@", 2);
        return "device '" + parts[1] + "' of pid " + process[0] + (process.length == 2 ? " on " + process[1] : "");
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        }
        catch (IOException ex) {
            return "unknown-host";
        }
    }

    /** The cookie this lock was taken with. */
    String cookie() {
        return this.lease.cookie;
    }

    /** Lets go of the image; the last holder in this process unlocks it. */
    void release() {
        synchronized (held) {
            if (this.released) {
                return;
            }
            this.released = true;
            if (--this.lease.holders > 0) {
                return;
            }
            held.remove(this.target, this.lease);
            int result = Librados.rados_unlock(this.lease.ioctx, this.lease.headerOid, NAME, this.lease.cookie);
            if (result < 0 && result != -RadosErrors.ENOENT) {
                logger.warn("Could not unlock {} ({}); another opener will need break-lock", this.lease.headerOid,
                        RadosErrors.name(-result));
            }
            Librados.rados_ioctx_destroy(this.lease.ioctx);
        }
    }
}
