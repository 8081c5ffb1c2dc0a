package io.bdus.driver.rados;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where a {@link RadosDriver} keeps a device: an image (a header object and data objects) in
 * a pool of a Ceph cluster, and how to reach the cluster. Build with {@link #builder(String,
 * String)}; {@link Builder#build()} names the first setting out of range.
 *
 * @param pool the RADOS pool
 * @param image the image name: 1 to 96 letters, digits, '.', '-' or '_'; its objects are
 *        {@code <image>.header} and {@code <image>.<16 hex digits of the object index>}
 * @param objectSize bytes of the device each data object holds: a power of two from 4 KiB to
 *        64 MiB (default 4 MiB)
 * @param cephConf the ceph.conf to read; {@code null} for librados' search ({@code $CEPH_CONF},
 *        then /etc/ceph/ceph.conf, ...)
 * @param client the Ceph user, e.g. {@code client.admin} (the default)
 * @param keyring the keyring file; {@code null} for what ceph.conf says
 * @param operationTimeout how long one RADOS operation (or a connection attempt) may take
 *        before it fails with ETIMEDOUT: 1 s to 1 h (default 30 s)
 * @param breakLock whether to take the image from a holder that crashed: its lock is broken and
 *        its client blocklisted (fenced) first, so that it can never write again
 */
public record RadosSettings(String pool, String image, int objectSize, Path cephConf, String client, Path keyring,
        Duration operationTimeout, boolean breakLock) {

    public static final int DEFAULT_OBJECT_SIZE = 4 << 20;

    public static final int MIN_OBJECT_SIZE = 4 << 10;

    public static final int MAX_OBJECT_SIZE = 64 << 20;

    public static final String DEFAULT_CLIENT = "client.admin";

    public static final Duration DEFAULT_OPERATION_TIMEOUT = Duration.ofSeconds(30);

    private static final Pattern IMAGE = Pattern.compile("[A-Za-z0-9._-]{1,96}");

    private static final Pattern POOL = Pattern.compile("[^\\s/]{1,128}");

    private static final Pattern CLIENT = Pattern.compile("client\\.[A-Za-z0-9._-]{1,64}");

    public RadosSettings {
        if (pool == null || !POOL.matcher(pool).matches()) {
            throw new InvalidRadosSettingsException("pool", (pool == null) ? "(not set)" : "'" + pool + "'",
                    "the name of an existing pool (1 to 128 characters, no spaces or '/')");
        }
        if (image == null || !IMAGE.matcher(image).matches()) {
            throw new InvalidRadosSettingsException("image", (image == null) ? "(not set)" : "'" + image + "'",
                    "1 to 96 letters, digits, '.', '-' or '_'");
        }
        if (Integer.bitCount(objectSize) != 1 || objectSize < MIN_OBJECT_SIZE || objectSize > MAX_OBJECT_SIZE) {
            throw new InvalidRadosSettingsException("object-size", objectSize,
                    "a power of two from 4096 (4KB) to 67108864 (64MB) bytes");
        }
        Objects.requireNonNull(client, "client");
        if (!CLIENT.matcher(client).matches()) {
            throw new InvalidRadosSettingsException("client", "'" + client + "'",
                    "a Ceph user name such as client.admin or client.bdus");
        }
        Objects.requireNonNull(operationTimeout, "operationTimeout");
        if (operationTimeout.compareTo(Duration.ofSeconds(1)) < 0
                || operationTimeout.compareTo(Duration.ofHours(1)) > 0) {
            throw new InvalidRadosSettingsException("operation-timeout", operationTimeout, "1s to 1h");
        }
    }

    public static Builder builder(String pool, String image) {
        return new Builder(pool, image);
    }

    /** The Ceph user without its {@code client.} prefix, as {@code rados --id} takes it. */
    public String clientId() {
        return this.client.substring("client.".length());
    }

    /** Builds {@link RadosSettings}; every setting but the pool and the image has a default. */
    public static final class Builder {

        private final String pool;

        private final String image;

        private int objectSize = DEFAULT_OBJECT_SIZE;

        private Path cephConf;

        private String client = DEFAULT_CLIENT;

        private Path keyring;

        private Duration operationTimeout = DEFAULT_OPERATION_TIMEOUT;

        private boolean breakLock;

        private Builder(String pool, String image) {
            this.pool = pool;
            this.image = image;
        }

        public Builder objectSize(int objectSize) {
            this.objectSize = objectSize;
            return this;
        }

        public Builder cephConf(Path cephConf) {
            this.cephConf = cephConf;
            return this;
        }

        public Builder client(String client) {
            this.client = client;
            return this;
        }

        public Builder keyring(Path keyring) {
            this.keyring = keyring;
            return this;
        }

        public Builder operationTimeout(Duration operationTimeout) {
            this.operationTimeout = operationTimeout;
            return this;
        }

        public Builder breakLock(boolean breakLock) {
            this.breakLock = breakLock;
            return this;
        }

        public RadosSettings build() {
            return new RadosSettings(this.pool, this.image, this.objectSize, this.cephConf, this.client, this.keyring,
                    this.operationTimeout, this.breakLock);
        }
    }
}
