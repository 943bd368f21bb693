package io.extractionguard.gateway.degrade;

import java.util.concurrent.ConcurrentHashMap;

import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.stereotype.Component;

import io.extractionguard.engine.decision.Decision;
import io.extractionguard.engine.policy.Degrade;
import io.extractionguard.engine.request.ApiFormat;
import io.extractionguard.gateway.filter.ApiErrors;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Applies a decision's {@link Degrade} (a DEGRADE band: answered, reasoning withheld) to the
 * forwarded request and to its response. Counts degraded requests in {@code guard.degraded}
 * (route, format) and the reasoning blocks or items removed from their responses in
 * {@code guard.degraded.removed}.
 */
@Component
public class Degrader {

    private final JsonMapper json;
    private final ApiErrors errors;
    private final MeterRegistry meters;
    private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();

    public Degrader(JsonMapper json, MeterRegistry meters) {
        this.json = json;
        this.errors = new ApiErrors(json);
        this.meters = meters;
    }

    /**
     * The body to forward for a degraded request: Anthropic {@code thinking} off or its
     * {@code budget_tokens} capped; OpenAI reasoning effort lowered; {@code n} and {@code best_of}
     * reduced. The same array when nothing needed changing.
     */
    public byte[] request(ApiFormat format, Degrade degrade, byte[] body, String route) {
        count("guard.degraded", "Requests answered with reasoning withheld (DEGRADE band)", route, format, 1);
        ObjectNode root;
        try {
            if (!(json.readTree(body) instanceof ObjectNode object)) {
                return body;
            }
            root = object;
        } catch (JacksonException e) {
            return body; // parsed before it was decided, so this does not happen
        }
        boolean changed = switch (format) {
            case ANTHROPIC_MESSAGES -> thinking(root, degrade);
            case OPENAI_CHAT_COMPLETIONS -> effort(root, "reasoning_effort", degrade)
                    | (root.get("reasoning") instanceof ObjectNode r && effort(r, "effort", degrade))
                    | templateThinkingOff(root) | cap(root, "n", degrade) | remove(root, "logprobs", "top_logprobs");
            case OPENAI_COMPLETIONS -> cap(root, "n", degrade) | cap(root, "best_of", degrade) | remove(root, "logprobs");
            case OPENAI_RESPONSES -> (root.get("reasoning") instanceof ObjectNode r && effort(r, "effort", degrade))
                    | remove(root, "top_logprobs") | logprobsNotIncluded(root) | foreground(root);
        };
        return changed ? json.writeValueAsBytes(root) : body;
    }

    /**
     * An Anthropic Message Batch with every item's {@code params} degraded as a single request is. A
     * batch's answers are fetched later through passed endpoints, where nothing is removed from them,
     * so thinking is turned off rather than capped. Null when the body is not a batch (it was parsed
     * before it was decided, so this does not happen); the same array when nothing needed changing.
     */
    public byte[] messageBatch(Degrade degrade, byte[] body, String route) {
        if (!(readObject(body) instanceof ObjectNode root) || !(root.get("requests") instanceof ArrayNode items)) {
            return null;
        }
        count("guard.degraded", "Requests answered with reasoning withheld (DEGRADE band)", route,
                ApiFormat.ANTHROPIC_MESSAGES, items.size());
        Degrade off = new Degrade(0, degrade.reasoningEffort(), degrade.maxChoices());
        boolean changed = false;
        for (JsonNode item : items) {
            if (!(item.get("params") instanceof ObjectNode params)) {
                return null;
            }
            changed |= thinking(params, off);
        }
        return changed ? json.writeValueAsBytes(root) : body;
    }

    private JsonNode readObject(byte[] body) {
        try {
            return json.readTree(body);
        } catch (JacksonException e) {
            return null;
        }
    }

    /**
     * The client's response with the reasoning removed (see {@link ReasoningFilter}); itself when the
     * format has none. The forwarded request asks for an uncompressed answer (as every forward does,
     * {@code AnswerCoding}); one compressed anyway is decoded and stripped, or refused ({@link DegradedResponse}).
     */
    public ServerHttpResponse response(ServerHttpResponse response, ApiFormat format, String route) {
        if (!ReasoningFilter.applies(format)) {
            return response;
        }
        return new DegradedResponse(response, new ReasoningFilter(format, json),
                removed -> count("guard.degraded.removed", "Reasoning blocks or items removed from degraded responses",
                        route, format, removed),
                () -> errors.body(format, ApiErrors.Kind.UPSTREAM_UNREACHABLE,
                        "The model API's answer could not be read. Retry later."));
    }

    /** Whether a decision asks for its request to be degraded. */
    public static boolean degrades(Decision decision) {
        return decision.degrade() != null;
    }

    private static boolean thinking(ObjectNode root, Degrade degrade) {
        if (!(root.get("thinking") instanceof ObjectNode thinking)) {
            return false;
        }
        String type = thinking.path("type").asString("");
        if (type.equals("disabled")) {
            return false;
        }
        JsonNode budget = thinking.get("budget_tokens");
        if (degrade.thinkingBudget() > 0 && type.equals("enabled") && budget != null && budget.canConvertToLong()) {
            if (budget.asLong() <= degrade.thinkingBudget()) {
                return false;
            }
            thinking.put("budget_tokens", degrade.thinkingBudget());
            return true;
        }
        // off: also for a budget that cannot be capped (adaptive thinking, a malformed budget)
        root.putObject("thinking").put("type", "disabled");
        return true;
    }

    /**
     * Self-hosted reasoning models (vLLM, SGLang: Qwen, DeepSeek, GLM templates) think when
     * {@code chat_template_kwargs.enable_thinking} or {@code .thinking} says so: turned off. An absent
     * switch is left to the model's default; what it reasons then is removed from the answer.
     */
    private static boolean templateThinkingOff(ObjectNode root) {
        if (!(root.get("chat_template_kwargs") instanceof ObjectNode kwargs)) {
            return false;
        }
        boolean changed = false;
        for (String field : new String[]{"enable_thinking", "thinking"}) {
            JsonNode on = kwargs.get(field);
            if (on != null && !(on.isBoolean() && !on.asBoolean())) {
                kwargs.put(field, false);
                changed = true;
            }
        }
        return changed;
    }

    /** Token log-probabilities (a distiller's soft labels) are not asked for. */
    private static boolean remove(ObjectNode root, String... fields) {
        boolean changed = false;
        for (String field : fields) {
            changed |= root.remove(field) != null;
        }
        return changed;
    }

    /** Responses {@code include}: no {@code *logprobs} entries. */
    private static boolean logprobsNotIncluded(ObjectNode root) {
        if (!(root.get("include") instanceof ArrayNode include)) {
            return false;
        }
        boolean changed = false;
        for (int i = include.size() - 1; i >= 0; i--) {
            if (include.get(i).asString("").contains("logprobs")) {
                include.remove(i);
                changed = true;
            }
        }
        return changed;
    }

    /**
     * Responses: answered now and not stored ({@code background} and {@code store} false), so the
     * answer passes the reasoning filter and no stored copy keeps what it removed: a background
     * response and a stored one are fetched later through passed endpoints.
     */
    private static boolean foreground(ObjectNode root) {
        boolean changed = false;
        for (String field : new String[]{"background", "store"}) {
            JsonNode v = root.get(field);
            if (v == null || !(v.isBoolean() && !v.asBoolean())) {
                root.put(field, false);
                changed = true;
            }
        }
        return changed;
    }

    private static boolean effort(ObjectNode holder, String field, Degrade degrade) {
        JsonNode effort = holder.get(field);
        if (effort == null || !effort.isString() || !degrade.lowers(effort.asString())) {
            return false;
        }
        holder.put(field, degrade.reasoningEffort());
        return true;
    }

    private static boolean cap(ObjectNode root, String field, Degrade degrade) {
        JsonNode n = root.get(field);
        if (n == null || !n.canConvertToInt() || n.asInt() <= degrade.maxChoices()) {
            return false;
        }
        root.put(field, degrade.maxChoices());
        return true;
    }

    private void count(String name, String description, String route, ApiFormat format, long amount) {
        if (amount <= 0) {
            return;
        }
        counters.computeIfAbsent(name + '|' + route + '|' + format, k -> Counter.builder(name)
                        .description(description)
                        .tag("route", route)
                        .tag("format", format.name())
                        .register(meters))
                .increment(amount);
    }
}
