package io.bdus.spring.boot.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports an {@link InvalidBdusConfigurationException}: the property, its value, what is
 * allowed, and what to change.
 */
class BdusFailureAnalyzer extends AbstractFailureAnalyzer<InvalidBdusConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidBdusConfigurationException cause) {
        String description = String.format(
                "Invalid value '%s' for configuration property '%s'.%n%n    Property: %s%n    Value: %s%n    Allowed: %s",
                cause.getValue(), cause.getProperty(), cause.getProperty(), cause.getValue(), cause.getAllowed());
        return new FailureAnalysis(description, cause.getAction(), cause);
    }

}
