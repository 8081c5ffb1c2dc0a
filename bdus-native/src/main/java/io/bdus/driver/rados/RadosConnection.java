package io.bdus.driver.rados;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * One connection ({@code rados_t}) to a Ceph cluster as one user, shared by every driver of
 * this process that connects the same way. Sharing is what lets a driver replaced in place hand
 * an image's lock to its successor: RADOS locks belong to a client instance, not to a process.
 * Counted: the last {@link #release()} shuts it down.
 */
final class RadosConnection {

    /** How a driver connects; one connection per distinct value. */
    record Key(Path cephConf, String client, Path keyring, Duration operationTimeout) {

        static Key of(RadosSettings settings) {
            return new Key(settings.cephConf(), settings.client(), settings.keyring(), settings.operationTimeout());
        }
    }

    private static final Map<Key, RadosConnection> open = new HashMap<>();

    private final Key key;

    private final long cluster;

    private final String fsid;

    private final long instanceId;

    private int users;

    private RadosConnection(Key key, long cluster, String fsid, long instanceId) {
        this.key = key;
        this.cluster = cluster;
        this.fsid = fsid;
        this.instanceId = instanceId;
    }

    /** The connection for {@code settings}, connecting if this process has none yet. */
    static RadosConnection open(RadosSettings settings) throws IOException {
        Key key = Key.of(settings);
        synchronized (open) {
            RadosConnection connection = open.get(key);
            if (connection == null) {
                connection = connect(key);
                open.put(key, connection);
            }
            connection.users++;
            return connection;
        }
    }

    private static RadosConnection connect(Key key) throws IOException {
        long[] handle = new long[1];
        check(Librados.rados_create2(handle, "ceph", key.client(), 0), "creating a cluster handle for " + key.client());
        long cluster = handle[0];
        try {
            String conf = (key.cephConf() != null) ? key.cephConf().toString() : null;
            int read = Librados.rados_conf_read_file(cluster, conf);
            if (read < 0) {
                String where = (conf != null) ? conf
                        : "$CEPH_CONF (" + System.getenv().getOrDefault("CEPH_CONF", "not set")
                                + ") or /etc/ceph/ceph.conf";
                throw new IOException("Cannot read the Ceph configuration " + where + ": "
                        + RadosErrors.name(-read) + "; set the path of the cluster's ceph.conf");
            }
            if (key.keyring() != null) {
                check(Librados.rados_conf_set(cluster, "keyring", key.keyring().toString()), "setting the keyring");
            }
            String seconds = String.valueOf(Math.max(1, key.operationTimeout().toSeconds()));
            for (String option : new String[] { "rados_osd_op_timeout", "rados_mon_op_timeout",
                "client_mount_timeout" }) {
                check(Librados.rados_conf_set(cluster, option, seconds), "setting " + option);
            }
            int connected = Librados.rados_connect(cluster);
            if (connected < 0) {
                throw new IOException("Cannot connect to the Ceph cluster of " + describe(cluster, key) + " as "
                        + key.client() + ": " + RadosErrors.name(-connected) + connectAdvice(-connected, key));
            }
            byte[] fsid = new byte[64];
            check(Librados.rados_cluster_fsid(cluster, fsid, fsid.length), "reading the cluster fsid");
            return new RadosConnection(key, cluster, cString(fsid), Librados.rados_get_instance_id(cluster));
        }
        catch (IOException | RuntimeException ex) {
            Librados.rados_shutdown(cluster);
            throw ex;
        }
    }

    private static String describe(long cluster, Key key) {
        byte[] monitors = new byte[512];
        String hosts = (Librados.rados_conf_get(cluster, "mon_host", monitors, monitors.length) == 0)
                ? cString(monitors) : "?";
        String conf = (key.cephConf() != null) ? key.cephConf().toString() : "the default ceph.conf";
        return conf + " (mon host " + hosts + ")";
    }

    private static String connectAdvice(int errno, Key key) {
        return switch (errno) {
            case io.bdus.driver.Errno.ETIMEDOUT -> "; no monitor answered within " + key.operationTimeout().toSeconds()
                    + "s: is the cluster up and reachable?";
            case io.bdus.driver.Errno.EACCES, io.bdus.driver.Errno.EPERM, RadosErrors.ENOENT ->
                "; check that the keyring holds the key of " + key.client()
                        + (key.keyring() != null ? " (keyring " + key.keyring() + ")" : " (keyring from ceph.conf)");
            default -> "";
        };
    }

    /** The cluster's fsid, e.g. {@code 70405a0c-fd23-43b0-b1d8-21542c25143d}. */
    String fsid() {
        return this.fsid;
    }

    /** This client's global id, as in {@code client.4123}. */
    long instanceId() {
        return this.instanceId;
    }

    String client() {
        return this.key.client();
    }

    /** Opens an I/O context on {@code pool}; the caller destroys it. */
    long ioctx(String pool) throws IOException {
        long[] ioctx = new long[1];
        int result = Librados.rados_ioctx_create(this.cluster, pool, ioctx);
        if (result < 0) {
            throw new IOException("Cannot open pool '" + pool + "' of cluster " + this.fsid + ": "
                    + RadosErrors.name(-result)
                    + ((-result == RadosErrors.ENOENT) ? "; create it (ceph osd pool create " + pool + ")" : ""));
        }
        return ioctx[0];
    }

    /** Fences a client address off the cluster for {@code seconds}: its operations are refused. */
    void blocklist(String address, int seconds) throws IOException {
        int result = Librados.rados_blocklist_add(this.cluster, address, seconds);
        if (result < 0) {
            throw new IOException("Cannot blocklist " + address + ": " + RadosErrors.name(-result)
                    + "; " + this.key.client() + " needs the mon cap 'allow command \"osd blocklist\"'");
        }
    }

    /** Gives the connection back; the last user shuts it down. */
    void release() {
        synchronized (open) {
            if (--this.users > 0) {
                return;
            }
            open.remove(this.key, this);
        }
        Librados.rados_shutdown(this.cluster);
    }

    private static void check(int result, String what) throws IOException {
        if (result < 0) {
            throw new IOException("librados failed " + what + ": " + RadosErrors.name(-result));
        }
    }

    static String cString(byte[] bytes) {
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8);
    }
}
