package io.bdus.spring.boot.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports a device left in place that could not be taken over, and the two ways out.
 */
class KeptDeviceAttachFailureAnalyzer extends AbstractFailureAnalyzer<KeptDeviceAttachException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, KeptDeviceAttachException cause) {
        String path = cause.record().path();
        String action = "Either configure 'bdus.devices." + cause.device() + "' to match that device again, or "
                + "destroy it (its data is lost) with 'bdus destroy " + path + "' (scripts/bdus in a checkout of "
                + "bdus-spring) and start again. Its record (" + cause.recordFile()
                + ") stays until one of the two happens.";
        return new FailureAnalysis(cause.getMessage(), action, cause);
    }

}
