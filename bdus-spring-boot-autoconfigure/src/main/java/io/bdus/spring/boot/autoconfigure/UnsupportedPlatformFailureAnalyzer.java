package io.bdus.spring.boot.autoconfigure;

import io.bdus.linux.UnsupportedPlatformException;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports block devices configured on a machine bdus cannot run on, also when the failure
 * surfaced as a native binding that could not load ({@link ExceptionInInitializerError}).
 */
class UnsupportedPlatformFailureAnalyzer extends AbstractFailureAnalyzer<UnsupportedPlatformException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, UnsupportedPlatformException cause) {
        return new FailureAnalysis(cause.getMessage() + ": its block devices need the Linux kernel.",
                "Run the application on 64-bit Linux, or set bdus.enabled=false to start it without block devices.",
                cause);
    }

}
