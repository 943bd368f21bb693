package io.extractionguard.engine.request;

// A frozen copy of the implementation before the single-copy rewrite (main e5e9258), kept only as the
// reference the parity test compares the new one with. Do not change it.

import com.dynatrace.hash4j.hashing.Hasher64;
import com.dynatrace.hash4j.hashing.Hashing;

import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * The text of one body's conversation as the guard keeps it: the system text, the last user turn,
 * how much history came before it, the number of turns and the hash of the conversation's root.
 * Reads messages (Messages, Chat), input items (Responses) and prompts (legacy Completions), with
 * content as a string or an array of parts. Methods return a problem description, or null when
 * the value was read. Not thread-safe; one per parse.
 */
final class LegacyConversation {

    /** Hashes a conversation's first user turn (its root): follow-ups keep it, new conversations do not. */
    private static final Hasher64 ROOT_HASH = Hashing.komihash5_0();

    private final ApiFormat format;
    private final StringBuilder system = new StringBuilder();
    private final StringBuilder lastUser = new StringBuilder();
    private final StringBuilder scratch = new StringBuilder();
    private long historyChars;
    private long rootHash;
    /** Tool-call arguments of the message being read (counted as history); tool results join the user side. */
    private final StringBuilder calls = new StringBuilder();
    private boolean userOpen;
    private boolean afterToolResult;
    private int turns;
    private int prompts;

    LegacyConversation(ApiFormat format) {
        this.format = format;
    }

    String system() {
        return system.toString();
    }

    String lastUser() {
        return lastUser.toString();
    }

    long historyChars() {
        return historyChars;
    }

    int turns() {
        return turns;
    }

    /** Legacy Completions: the number of prompts in {@code prompt}. */
    int prompts() {
        return prompts;
    }

    /** The root's hash (never 0 once there is user text; 0 without any). */
    long rootHash() {
        closeUserTurn();
        return rootHash != 0 || lastUser.isEmpty() ? rootHash : ROOT_HASH.hashCharsToLong(lastUser) | 1;
    }

    /** Anthropic {@code system} or Responses {@code instructions}. */
    String readSystem(JsonParser p, JsonToken t, String field) {
        return readContent(p, t, system, field);
    }

    /** Legacy Completions {@code suffix}: text the completion is to end before, read as user text. */
    String readSuffix(JsonParser p, JsonToken t) {
        return readContent(p, t, lastUser, "suffix");
    }

    /** Responses {@code input} given as a single string: one user turn, the conversation's root. */
    void readInputText(JsonParser p) {
        turns = 1;
        appendText(p, lastUser);
        rootHash = ROOT_HASH.hashCharsToLong(lastUser) | 1;
    }

    /** Legacy Completions {@code prompt}: a string or an array of strings (token arrays are refused). */
    String readPrompt(JsonParser p, JsonToken t) {
        if (t == JsonToken.VALUE_STRING) {
            prompts = 1;
            turns = 1;
            appendSeparatedText(p, lastUser);
            return null;
        }
        if (t != JsonToken.START_ARRAY) {
            return "prompt: must be a string or an array of strings";
        }
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.VALUE_STRING) {
                return "prompt[" + prompts + "]: must be a string (token-id prompts are not accepted here; send text)";
            }
            appendSeparatedText(p, lastUser);
            prompts++;
            turns++;
        }
        return prompts == 0 ? "prompt: must not be empty" : null;
    }

    /** Reads an array of messages (or Responses input items). */
    String readMessages(JsonParser p, JsonToken t, String field) {
        if (t != JsonToken.START_ARRAY) {
            return field + ": must be an array";
        }
        int index = 0;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.START_OBJECT) {
                return field + "[" + index + "]: must be an object";
            }
            String problem = readMessage(p, field + "[" + index + "]");
            if (problem != null) {
                return problem;
            }
            index++;
            turns++;
        }
        return null;
    }

    private String readMessage(JsonParser p, String where) {
        String role = null;
        String type = null;
        scratch.setLength(0);
        calls.setLength(0);
        String n;
        while ((n = p.nextName()) != null) {
            JsonToken v = p.nextToken();
            switch (n) {
                case "role" -> {
                    if (v != JsonToken.VALUE_STRING) {
                        return where + ".role: must be a string";
                    }
                    role = p.getString();
                }
                case "type" -> {
                    if (v == JsonToken.VALUE_STRING) {
                        type = p.getString();
                    } else {
                        p.skipChildren();
                    }
                }
                case "content", "output" -> {
                    String problem = readContent(p, v, scratch, calls, where + "." + n);
                    if (problem != null) {
                        return problem;
                    }
                }
                case "tool_calls", "function_call", "arguments", "input" -> readValues(p, v, calls);
                default -> p.skipChildren();
            }
        }
        if (role == null) {
            if (format != ApiFormat.OPENAI_RESPONSES) {
                return where + ".role: field required";
            }
            if (type != null && type.endsWith("_output")) {
                userTurn(true);
                return null;
            }
            historyChars += scratch.length() + calls.length();
            if (calls.length() > 0) {
                closeUserTurn();
            }
            return null;
        }
        switch (role) {
            case "user" -> userTurn(false);
            case "tool", "function" -> userTurn(true);
            case "assistant" -> {
                closeUserTurn();
                historyChars += scratch.length() + calls.length();
            }
            case "system", "developer" -> {
                if (format == ApiFormat.ANTHROPIC_MESSAGES) {
                    return where + ".role: must be 'user' or 'assistant'";
                }
                appendSeparated(system, scratch);
            }
            default -> historyChars += scratch.length() + calls.length();
        }
        return null;
    }

    private void userTurn(boolean toolResult) {
        if (userOpen && afterToolResult) {
            appendSeparated(lastUser, scratch);
            afterToolResult = toolResult;
            return;
        }
        closeUserTurn();
        historyChars += lastUser.length();
        lastUser.setLength(0);
        lastUser.append(scratch);
        userOpen = true;
        afterToolResult = toolResult;
    }

    private void closeUserTurn() {
        if (!userOpen) {
            return;
        }
        userOpen = false;
        afterToolResult = false;
        if (rootHash == 0) {
            rootHash = ROOT_HASH.hashCharsToLong(lastUser) | 1;
        }
    }

    private static void readValues(JsonParser p, JsonToken t, StringBuilder into) {
        if (t == JsonToken.VALUE_STRING) {
            appendSeparatedText(p, into);
            return;
        }
        if (t != JsonToken.START_OBJECT && t != JsonToken.START_ARRAY) {
            return;
        }
        int depth = 1;
        while (depth > 0) {
            t = p.nextToken();
            if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                depth++;
            } else if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
                depth--;
            } else if (t == JsonToken.VALUE_STRING && !"id".equals(p.currentName()) && !"type".equals(p.currentName())) {
                appendSeparatedText(p, into);
            }
        }
    }

    /** Content as a string, or an array of parts whose text (and nested tool results) is kept. */
    private static String readContent(JsonParser p, JsonToken t, StringBuilder into, String where) {
        return readContent(p, t, into, null, where);
    }

    private static String readContent(JsonParser p, JsonToken t, StringBuilder into, StringBuilder calls, String where) {
        switch (t) {
            case VALUE_STRING -> {
                appendSeparatedText(p, into);
                return null;
            }
            case VALUE_NULL -> {
                return null;
            }
            case START_ARRAY -> {
                int index = 0;
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (t == JsonToken.VALUE_STRING) {
                        appendSeparatedText(p, into);
                    } else if (t == JsonToken.START_OBJECT) {
                        String problem = readPart(p, into, calls, where + "[" + index + "]");
                        if (problem != null) {
                            return problem;
                        }
                    } else {
                        return where + "[" + index + "]: must be an object or a string";
                    }
                    index++;
                }
                return null;
            }
            default -> {
                return where + ": must be a string or an array of content parts";
            }
        }
    }

    private static String readPart(JsonParser p, StringBuilder into, StringBuilder calls, String where) {
        String n;
        while ((n = p.nextName()) != null) {
            JsonToken v = p.nextToken();
            if ("text".equals(n) && v == JsonToken.VALUE_STRING) {
                appendSeparatedText(p, into);
            } else if ("content".equals(n) && (v == JsonToken.VALUE_STRING || v == JsonToken.START_ARRAY)) {
                // tool_result blocks nest their own content
                String problem = readContent(p, v, into, calls, where + ".content");
                if (problem != null) {
                    return problem;
                }
            } else if ("input".equals(n) && calls != null) {
                readValues(p, v, calls);
            } else {
                p.skipChildren();
            }
        }
        return null;
    }

    /** Appends the current string token without materialising it as a String. */
    private static void appendText(JsonParser p, StringBuilder into) {
        into.append(p.getStringCharacters(), p.getStringOffset(), p.getStringLength());
    }

    private static void appendSeparatedText(JsonParser p, StringBuilder into) {
        if (!into.isEmpty()) {
            into.append('\n');
        }
        appendText(p, into);
    }

    private static void appendSeparated(StringBuilder into, CharSequence text) {
        if (text.isEmpty()) {
            return;
        }
        if (!into.isEmpty()) {
            into.append('\n');
        }
        into.append(text);
    }
}
