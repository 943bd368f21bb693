package io.extractionguard.gateway.filter;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;

import io.extractionguard.engine.request.ApiFormat;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Failures on inference paths that are not the guard's decisions — the model API unreachable or
 * too slow, or an unexpected error — answered in the upstream API's own error format (502, 504,
 * 500), never with a stack trace or Spring's error page. Other paths keep Spring's handling.
 * Runs before Boot's default error handler.
 */
@Component
@Order(-2)
public class ApiErrorWebExceptionHandler implements WebExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiErrorWebExceptionHandler.class);

    private final ApiErrors errors;
    private final MeterRegistry meters;

    public ApiErrorWebExceptionHandler(JsonMapper json, MeterRegistry meters) {
        this.errors = new ApiErrors(json);
        this.meters = meters;
        for (ApiErrors.Kind kind : new ApiErrors.Kind[]{ApiErrors.Kind.UPSTREAM_UNREACHABLE, ApiErrors.Kind.UPSTREAM_TIMEOUT,
                ApiErrors.Kind.NOT_FOUND, ApiErrors.Kind.INTERNAL}) {
            counter(kind); // registered at start so dashboards show 0 rather than no data
        }
    }

    private Counter counter(ApiErrors.Kind kind) {
        return Counter.builder("guard.upstream.errors")
                .description("Inference requests that failed after the guard let them through, by cause")
                .tag("kind", kind.name().toLowerCase())
                .register(meters);
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
        ApiFormat evaluated = exchange.getAttribute(ExtractionGuardGatewayFilterFactory.FORMAT_ATTR);
        Optional<ApiFormat> format = evaluated != null ? Optional.of(evaluated)
                : HttpMethod.POST.equals(exchange.getRequest().getMethod())
                ? ApiFormat.forPath(exchange.getRequest().getPath().value()) : Optional.empty();
        if (format.isEmpty() || exchange.getResponse().isCommitted()) {
            return Mono.error(ex);
        }
        ApiErrors.Kind kind = classify(ex);
        counter(kind).increment();
        String message = switch (kind) {
            case UPSTREAM_UNREACHABLE -> "The model API is unreachable. Retry later.";
            case UPSTREAM_TIMEOUT -> "The model API did not answer in time. Retry later.";
            case NOT_FOUND -> "No model API is routed at this path.";
            default -> "Internal error in the API gateway. Retry later.";
        };
        if (kind == ApiErrors.Kind.INTERNAL) {
            log.error("unexpected failure on {} {}", exchange.getRequest().getMethod(), exchange.getRequest().getPath(), ex);
        } else {
            log.warn("{} on {}: {}", kind, exchange.getRequest().getPath(), rootMessage(ex));
        }
        exchange.getResponse().getHeaders().clear();
        return errors.write(exchange, format.get(), kind, message);
    }

    static ApiErrors.Kind classify(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof UnknownHostException || t instanceof ClosedChannelException
                    || t.getClass().getName().endsWith("PrematureCloseException")) {
                return ApiErrors.Kind.UPSTREAM_UNREACHABLE;
            }
            if (t instanceof TimeoutException || t instanceof org.springframework.cloud.gateway.support.TimeoutException
                    || t.getClass().getName().endsWith("ReadTimeoutException")) {
                return ApiErrors.Kind.UPSTREAM_TIMEOUT;
            }
            if (t instanceof ResponseStatusException rse) {
                HttpStatusCode status = rse.getStatusCode();
                if (status.value() == 504) {
                    return ApiErrors.Kind.UPSTREAM_TIMEOUT;
                }
                if (status.value() == 502 || status.value() == 503) {
                    return ApiErrors.Kind.UPSTREAM_UNREACHABLE;
                }
                if (status.value() == 404) {
                    return ApiErrors.Kind.NOT_FOUND;
                }
            }
        }
        return ApiErrors.Kind.INTERNAL;
    }

    private static String rootMessage(Throwable ex) {
        Throwable t = ex;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
