package io.extractionguard.gateway.filter;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;

import io.extractionguard.engine.request.ApiFormat;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes rejections in the upstream API's own error format, so SDKs raise their usual typed
 * exceptions: Anthropic {@code {"type":"error","error":{"type":…,"message":…}}} on
 * {@code /v1/messages}, OpenAI {@code {"error":{"message":…,"type":…,"param":null,"code":…}}}
 * on the OpenAI paths. Messages never reveal the score or which signals fired.
 */
public final class ApiErrors {

    /** The kinds of rejection the guard produces, with their status and per-API type names. */
    public enum Kind {
        INVALID_REQUEST(HttpStatus.BAD_REQUEST, "invalid_request_error", "invalid_request_error", null),
        UNAUTHENTICATED(HttpStatus.UNAUTHORIZED, "authentication_error", "invalid_request_error", "invalid_api_key"),
        TOO_LARGE(HttpStatus.CONTENT_TOO_LARGE, "request_too_large", "invalid_request_error", "request_too_large"),
        UNSUPPORTED_MEDIA_TYPE(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "invalid_request_error", "invalid_request_error",
                "unsupported_media_type"),
        RATE_LIMITED(HttpStatus.TOO_MANY_REQUESTS, "rate_limit_error", "requests", "rate_limit_exceeded"),
        TOKENS_EXHAUSTED(HttpStatus.TOO_MANY_REQUESTS, "rate_limit_error", "tokens", "rate_limit_exceeded"),
        BLOCKED(HttpStatus.FORBIDDEN, "permission_error", "permission_error", "access_denied"),
        CHALLENGE(HttpStatus.FORBIDDEN, "permission_error", "permission_error", "challenge_required"),
        UNAVAILABLE(HttpStatus.SERVICE_UNAVAILABLE, "api_error", "server_error", "guard_unavailable"),
        UPSTREAM_UNREACHABLE(HttpStatus.BAD_GATEWAY, "api_error", "server_error", "upstream_unreachable"),
        UPSTREAM_TIMEOUT(HttpStatus.GATEWAY_TIMEOUT, "api_error", "server_error", "upstream_timeout"),
        NOT_FOUND(HttpStatus.NOT_FOUND, "not_found_error", "invalid_request_error", "not_found"),
        METHOD_NOT_ALLOWED(HttpStatus.METHOD_NOT_ALLOWED, "invalid_request_error", "invalid_request_error",
                "method_not_allowed"),
        INTERNAL(HttpStatus.INTERNAL_SERVER_ERROR, "api_error", "server_error", "internal_error");

        final HttpStatus status;
        final String anthropicType;
        final String openAiType;
        final String openAiCode;

        Kind(HttpStatus status, String anthropicType, String openAiType, String openAiCode) {
            this.status = status;
            this.anthropicType = anthropicType;
            this.openAiType = openAiType;
            this.openAiCode = openAiCode;
        }

        public HttpStatus status() {
            return status;
        }
    }

    private final JsonMapper json;

    public ApiErrors(JsonMapper json) {
        this.json = json;
    }

    /** The error body for {@code format} (Anthropic when the format is unknown). */
    public byte[] body(ApiFormat format, Kind kind, String message) {
        ObjectNode root = json.createObjectNode();
        if (format == null || !format.isOpenAi()) {
            root.put("type", "error");
            root.putObject("error").put("type", kind.anthropicType).put("message", message);
        } else {
            ObjectNode error = root.putObject("error");
            error.put("message", message).put("type", kind.openAiType).putNull("param");
            if (kind.openAiCode == null) {
                error.putNull("code");
            } else {
                error.put("code", kind.openAiCode);
            }
        }
        return json.writeValueAsBytes(root);
    }

    /** Completes the exchange with the error; headers already set on the response are kept. */
    public Mono<Void> write(ServerWebExchange exchange, ApiFormat format, Kind kind, String message) {
        ServerHttpResponse response = exchange.getResponse();
        if (response.isCommitted()) {
            return Mono.empty();
        }
        byte[] bytes = body(format, kind, message);
        response.setStatusCode(kind.status);
        response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
        response.getHeaders().setContentLength(bytes.length);
        DataBuffer buffer = response.bufferFactory().wrap(bytes);
        return response.writeWith(Mono.just(buffer));
    }
}
