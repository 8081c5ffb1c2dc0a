package io.bdus.spring.boot.autoconfigure.metrics;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.bdus.spring.boot.BdusDeviceRegistry;
import io.bdus.spring.boot.BdusDeviceReplacedEvent;
import io.bdus.spring.boot.ManagedDevice;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.context.ApplicationListener;

/**
 * Micrometer meters for every configured block device, all registered when bound:
 * {@code bdus.requests} (timer; tags device, op, outcome), {@code bdus.request.size}
 * (summary in bytes; device, op), {@code bdus.requests.active} (gauge; device) and
 * {@code bdus.driver.replacements} (counter; device, reason: {@code planned}, or, for devices
 * taken over at start-up, {@code restart} and {@code crash}). Requests are recorded through
 * each device's request observer.
 */
public class BdusMetrics implements MeterBinder, ApplicationListener<BdusDeviceReplacedEvent> {

    static final String ACTIVE = "bdus.requests.active";

    static final String REPLACEMENTS = "bdus.driver.replacements";

    /** Reasons a driver is replaced; {@code restart} and {@code crash} are for kbdus devices. */
    static final List<String> REASONS = List.of(BdusDeviceReplacedEvent.PLANNED, BdusDeviceReplacedEvent.RESTART,
            BdusDeviceReplacedEvent.CRASH);

    private final BdusDeviceRegistry devices;

    private final Map<String, List<Counter>> replacements = new ConcurrentHashMap<>();

    public BdusMetrics(BdusDeviceRegistry devices) {
        this.devices = devices;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (String device : this.devices.names()) {
            this.devices.observe(device, new DeviceMeters(device, registry));
            Gauge.builder(ACTIVE, this.devices, (devices) -> activeRequests(devices.device(device)))
                .description("Requests in a block device's driver right now")
                .tag("device", device)
                .register(registry);
            for (String reason : REASONS) {
                Counter counter = Counter.builder(REPLACEMENTS)
                    .description("Times a block device's driver was replaced")
                    .tag("device", device)
                    .tag("reason", reason)
                    .register(registry);
                this.replacements.computeIfAbsent(key(device, reason), (key) -> new CopyOnWriteArrayList<>())
                    .add(counter);
            }
        }
    }

    @Override
    public void onApplicationEvent(BdusDeviceReplacedEvent event) {
        List<Counter> counters = this.replacements.get(key(event.getDeviceName(), event.getReason()));
        if (counters != null) {
            counters.forEach(Counter::increment);
        }
    }

    private static int activeRequests(ManagedDevice device) {
        return (device != null) ? device.activeRequests() : 0;
    }

    private static String key(String device, String reason) {
        return device + '\0' + reason;
    }

}
