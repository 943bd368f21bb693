package io.extractionguard.engine.request;

import java.util.Locale;

import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * What the model reads outside the messages: a Responses stored prompt's {@code variables} (user content, appended to
 * the last user turn), tool definitions' descriptions and schemas and response-format schemas (definition text, read
 * for reasoning asks like a system prompt), and what it fetches itself: a stored prompt's id, MCP servers, web fetch
 * and file search tools are content the guard cannot read, counted as opaque. Not thread-safe; one per parse.
 */
final class SideContent {

    private final Conversation.Text variables = new Conversation.Text();
    private final Conversation.Text definitions = new Conversation.Text();
    private int opaque;

    /** Prompt variables' text, to be read as part of the last user turn (may be empty). */
    String variables() {
        return variables.toString();
    }

    /** Tool, function and schema descriptions (may be empty). */
    String definitions() {
        return definitions.toString();
    }

    /** Parts and sources the guard cannot read, variables' attachments included. */
    int opaqueParts() {
        return opaque + variables.opaqueParts();
    }

    /**
     * Responses {@code prompt}: {@code {id, version, variables}}. The stored prompt is text the guard never saw
     * (opaque); each variable is a string or an input part ({@code input_text}, {@code input_image}, {@code
     * input_file}) and is read as user content.
     */
    String readStoredPrompt(JsonParser p, JsonToken t) {
        if (t != JsonToken.START_OBJECT) {
            p.skipChildren(); // the upstream refuses a prompt that is not an object: nothing for the model to read
            return null;
        }
        String n;
        while ((n = p.nextName()) != null) {
            JsonToken v = p.nextToken();
            if ("id".equals(n) && v == JsonToken.VALUE_STRING) {
                opaque++;
            } else if ("variables".equals(n) && v == JsonToken.START_OBJECT) {
                String name;
                while ((name = p.nextName()) != null) {
                    JsonToken value = p.nextToken();
                    if (value == JsonToken.VALUE_STRING) {
                        variables.appendSeparated(p);
                    } else if (value == JsonToken.START_OBJECT) {
                        String problem = Attachments.readBlock(p, variables, "prompt.variables." + name);
                        if (problem != null) {
                            return problem;
                        }
                    } else {
                        p.skipChildren();
                    }
                }
            } else {
                p.skipChildren();
            }
        }
        return null;
    }

    /**
     * A schema or definition object (tool {@code input_schema}/{@code parameters}, Chat {@code response_format},
     * Responses {@code text.format}, Anthropic {@code output_format}, legacy {@code functions}): every string value the
     * model reads (descriptions, titles, enum values, examples) and the property names, whatever the nesting.
     */
    void readDefinition(JsonParser p, JsonToken t) {
        switch (t) {
            case VALUE_STRING -> definitions.appendSeparated(p);
            case START_ARRAY -> {
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    readDefinition(p, t);
                }
            }
            case START_OBJECT -> {
                String n;
                while ((n = p.nextName()) != null) {
                    JsonToken v = p.nextToken();
                    if ("properties".equals(n) && v == JsonToken.START_OBJECT) {
                        String property;
                        while ((property = p.nextName()) != null) {
                            definitions.appendSeparated(property);
                            readDefinition(p, p.nextToken());
                        }
                    } else if (v == JsonToken.VALUE_STRING && isKeyword(n)) {
                        // a schema keyword's value ("object", "#/$defs/x", "date-time"): no text for the model
                    } else {
                        readDefinition(p, v);
                    }
                }
            }
            default -> p.skipChildren();
        }
    }

    private static boolean isKeyword(String field) {
        return switch (field) {
            case "type", "$ref", "$schema", "$id", "format", "strict", "verbosity" -> true;
            default -> false;
        };
    }

    /** A tool the upstream runs by fetching content the guard never sees (by its {@code type}). */
    void tool(String type) {
        if (type == null) {
            return;
        }
        String t = type.toLowerCase(Locale.ROOT);
        if (t.startsWith("web_fetch") || t.startsWith("mcp") || t.startsWith("file_search")) {
            opaque++;
        }
    }

    /** Anthropic {@code mcp_servers}: servers whose tools and resources the model reads. */
    String readMcpServers(JsonParser p, JsonToken t) {
        if (t == JsonToken.START_ARRAY) {
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                opaque++;
                p.skipChildren();
            }
            return null;
        }
        p.skipChildren();
        return null;
    }
}
