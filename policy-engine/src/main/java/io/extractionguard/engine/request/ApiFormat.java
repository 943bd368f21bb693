package io.extractionguard.engine.request;

import java.util.Optional;

/** The model API dialects the guard understands, each identified by its request path. */
public enum ApiFormat {
    /** Anthropic Messages API. */
    ANTHROPIC_MESSAGES("/v1/messages"),
    /** OpenAI Chat Completions API. */
    OPENAI_CHAT_COMPLETIONS("/v1/chat/completions"),
    /** OpenAI Responses API. */
    OPENAI_RESPONSES("/v1/responses"),
    /** OpenAI legacy Completions API ({@code prompt} instead of messages). */
    OPENAI_COMPLETIONS("/v1/completions");

    private final String path;

    ApiFormat(String path) {
        this.path = path;
    }

    public String path() {
        return path;
    }

    /** True for the OpenAI dialects, which share the OpenAI error and header conventions. */
    public boolean isOpenAi() {
        return this != ANTHROPIC_MESSAGES;
    }

    /**
     * The format served at a request path. The path may carry a routing prefix
     * ({@code /anthropic/v1/messages}) and a trailing slash; sub-resources such as
     * {@code /v1/messages/count_tokens} are not inference calls.
     */
    public static Optional<ApiFormat> forPath(String path) {
        if (path == null) {
            return Optional.empty();
        }
        String p = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
        for (ApiFormat format : values()) {
            if (p.endsWith(format.path)) { // format paths start with '/', so this matches whole segments
                return Optional.of(format);
            }
        }
        return Optional.empty();
    }
}
