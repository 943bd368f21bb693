package io.extractionguard.gateway.config;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;

/**
 * {@code guard.upstream-uri} has no default (a replica must never forward to a guessed address), so a start
 * without it fails while binding the route. Spring's own report of that names a URI syntax error in
 * {@code ${guard.upstream-uri}}; this one says what is missing and how to set it. Registered in
 * {@code META-INF/spring.factories}, ahead of Boot's generic bind-failure report.
 */
public class UpstreamUriMissingFailureAnalyzer extends AbstractFailureAnalyzer<BindException> implements Ordered {

    static final String PLACEHOLDER = "${guard.upstream-uri}";

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, BindException cause) {
        ConfigurationProperty property = cause.getProperty();
        if (property == null || !String.valueOf(property.getValue()).contains(PLACEHOLDER)) {
            return null;
        }
        return new FailureAnalysis(
                "guard.upstream-uri is not set: the route " + cause.getName() + " has no model API to forward to "
                        + "(there is no default).",
                "Set GUARD_UPSTREAM_URI (or --guard.upstream-uri) to the model API, e.g. http://127.0.0.1:8000 for a "
                        + "model server beside the guard. ./guard run sets it to the demo backend it starts.",
                cause);
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
