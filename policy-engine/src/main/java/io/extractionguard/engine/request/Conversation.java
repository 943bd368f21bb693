package io.extractionguard.engine.request;

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
final class Conversation {

    /** Hashes a conversation's first user turn (its root): follow-ups keep it, new conversations do not. */
    private static final Hasher64 ROOT_HASH = Hashing.komihash5_0();

    private final ApiFormat format;
    private final Text system = new Text();
    private Text lastUser = new Text();
    /** The message being read; swapped with {@link #lastUser} when it is a user turn. */
    private Text scratch = new Text();
    private long historyChars;
    private long rootHash;
    /** The tool calls of the message being read (their arguments' text; only counted unless answers are read). */
    private final Text calls = new Text();
    /** Whether {@link #lastUser} is still being read: a tool result's turn takes the results and text after it. */
    private boolean userOpen;
    /** Whether the open user turn's last part was a tool result (Chat {@code tool}, Responses {@code *_output}). */
    private boolean afterToolResult;
    /** Whether an assistant turn came after the last user turn (a Responses call item belongs to it). */
    private boolean assistantSinceUser;
    /** The earlier user turns' hashes (claimed-history verification). */
    private final ClaimedHistory.Recorder claimed;
    /** Whether assistant turns are read as text and digested (claimed-answer verification, the gateway). */
    private final boolean answers;
    private int turns;
    private int prompts;

    Conversation(ApiFormat format, boolean answers) {
        this.format = format;
        this.answers = answers;
        this.claimed = new ClaimedHistory.Recorder(answers);
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

    /** The user turns before the last one, as hashes, and the whole user-turn sequence's state. */
    ClaimedHistory claimed() {
        closeUserTurn();
        if (lastUser.isEmpty() && rootHash == 0) {
            return claimed.finish(0);
        }
        // a single user turn is the root, whose hash is known
        return claimed.finish(claimed.turns() == 0 && rootHash != 0 ? rootHash : lastUser.hash());
    }

    /** Parts of the conversation the guard cannot read ({@link Attachments}): binary data, URLs, file ids, images. */
    int opaqueParts() {
        // the three texts are the only ones parts are read into (lastUser and scratch swap, never change)
        return system.opaqueParts() + lastUser.opaqueParts() + scratch.opaqueParts();
    }

    /** Legacy Completions: the number of prompts in {@code prompt}. */
    int prompts() {
        return prompts;
    }

    /** The root's hash (never 0 once there is user text; 0 without any). */
    long rootHash() {
        closeUserTurn();
        return rootHash != 0 || lastUser.isEmpty() ? rootHash : lastUser.hash();
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
        lastUser.append(p);
        rootHash = lastUser.hash();
        claimed.user(rootHash);
    }

    /** Legacy Completions {@code prompt}: a string or an array of strings (token arrays are refused). */
    String readPrompt(JsonParser p, JsonToken t) {
        if (t == JsonToken.VALUE_STRING) {
            prompts = 1;
            turns = 1;
            lastUser.appendSeparated(p);
            return null;
        }
        if (t != JsonToken.START_ARRAY) {
            return "prompt: must be a string or an array of strings";
        }
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.VALUE_STRING) {
                return "prompt[" + prompts + "]: must be a string (token-id prompts are not accepted here; send text)";
            }
            lastUser.appendSeparated(p);
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
        scratch.clear();
        calls.clear();
        calls.countOnly(!answers); // a tool call's arguments are read as content only where answers are checked
        String n;
        while ((n = p.nextName()) != null) {
            JsonToken v = p.nextToken();
            switch (n) {
                case "role" -> {
                    if (v != JsonToken.VALUE_STRING) {
                        return where + ".role: must be a string";
                    }
                    role = p.getString();
                    // an earlier turn's text is only counted (when the role comes first, as clients send it),
                    // but for the user side (tool results too) and an assistant turn whose answer is verified
                    scratch.countOnly(!isUserSide(role) && !role.equals("system") && !role.equals("developer")
                            && !(answers && role.equals("assistant")));
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
                // what the model called (Chat tool_calls / function_call, Responses arguments / input): model output
                case "tool_calls", "function_call", "arguments", "input" -> readValues(p, v, calls);
                default -> p.skipChildren();
            }
        }
        if (role == null) {
            if (format != ApiFormat.OPENAI_RESPONSES) {
                return where + ".role: field required";
            }
            if (type != null && type.endsWith("_output")) { // function_call_output and its kin: a tool result
                userTurn(true);
                return null;
            }
            // function_call, reasoning and other items the model produced: history
            historyChars += scratch.length() + calls.length();
            if (!calls.isEmpty()) {
                closeUserTurn();
                if (answers) {
                    claimed.calls(calls.toString(), assistantSinceUser);
                }
                assistantSinceUser = true;
            }
            return null;
        }
        switch (role) {
            case "user" -> userTurn(false);
            case "tool", "function" -> userTurn(true);
            case "assistant" -> {
                closeUserTurn();
                historyChars += scratch.length() + calls.length();
                assistantSinceUser = true;
                if (answers) {
                    String text = scratch.toString();
                    claimed.assistant(calls.isEmpty() ? text : text.isEmpty() ? calls.toString()
                            : text + "\n" + calls, AnswerDigest.of(text));
                }
            }
            case "system", "developer" -> {
                if (format == ApiFormat.ANTHROPIC_MESSAGES) {
                    return where + ".role: must be 'user' or 'assistant'";
                }
                system.appendSeparated(scratch);
            }
            default -> historyChars += scratch.length() + calls.length();
        }
        return null;
    }

    /** Chat's {@code tool} and legacy {@code function} messages carry tool results: the user side, as in Anthropic. */
    private static boolean isUserSide(String role) {
        return role.equals("user") || role.equals("tool") || role.equals("function");
    }

    /**
     * A user-side message ({@link #scratch}) arrived: a user turn, or a tool result. Anthropic puts tool results
     * in the user turn, before the user's text; Chat and Responses send each as a message or item of its own. So a
     * tool result, and whatever user-side message follows it before the next assistant turn, joins the open turn:
     * one conversation reads the same in every API.
     */
    private void userTurn(boolean toolResult) {
        assistantSinceUser = false;
        if (userOpen && afterToolResult) {
            lastUser.appendSeparated(scratch);
            afterToolResult = toolResult;
            return;
        }
        closeUserTurn();
        if (rootHash != 0) {
            // the turn before is now an earlier one
            claimed.earlier(lastUser.toString(), lastUser.hash());
        }
        historyChars += lastUser.length();
        Text previous = lastUser;
        lastUser = scratch;
        scratch = previous;
        userOpen = true;
        afterToolResult = toolResult;
    }

    /** The open user turn is complete: the root is the first one, and the conversation chain takes it. */
    private void closeUserTurn() {
        if (!userOpen) {
            return;
        }
        userOpen = false;
        afterToolResult = false;
        long hash = lastUser.hash();
        if (rootHash == 0) {
            rootHash = hash;
        }
        if (answers) {
            claimed.user(hash);
        }
    }

    /** Every string in a value (a tool call's arguments, or the objects around them), appended to {@code into}. */
    private static void readValues(JsonParser p, JsonToken t, Text into) {
        if (t == JsonToken.VALUE_STRING) {
            into.appendSeparated(p);
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
                into.appendSeparated(p);
            }
        }
    }

    /** Content as a string, or an array of parts whose text (and nested tool results) is kept. */
    private static String readContent(JsonParser p, JsonToken t, Text into, String where) {
        return readContent(p, t, into, null, where);
    }

    /** As above; tool-use blocks' input goes to {@code calls} (null: skipped). */
    private static String readContent(JsonParser p, JsonToken t, Text into, Text calls, String where) {
        switch (t) {
            case VALUE_STRING -> {
                into.appendSeparated(p);
                return null;
            }
            case VALUE_NULL -> {
                return null;
            }
            case START_ARRAY -> {
                int index = 0;
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (t == JsonToken.VALUE_STRING) {
                        into.appendSeparated(p);
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

    private static String readPart(JsonParser p, Text into, Text calls, String where) {
        String n;
        while ((n = p.nextName()) != null) {
            JsonToken v = p.nextToken();
            if ("text".equals(n) && v == JsonToken.VALUE_STRING) {
                into.appendSeparated(p);
            } else if ("content".equals(n) && (v == JsonToken.VALUE_STRING || v == JsonToken.START_ARRAY)) {
                // tool_result blocks nest their own content
                String problem = readContent(p, v, into, calls, where + ".content");
                if (problem != null) {
                    return problem;
                }
            } else if ("input".equals(n) && calls != null) { // a tool_use block's arguments
                readValues(p, v, calls);
            } else if (Attachments.reads(n)) {
                String problem = Attachments.read(n, v, p, into, where);
                if (problem != null) {
                    return problem;
                }
            } else {
                p.skipChildren();
            }
        }
        return null;
    }

    /**
     * Text built from string tokens, each after a newline when there is text before it. The common body
     * sends a turn as one string: it is kept as the String the parser made, without a builder and the
     * copies in and out of one. An earlier turn's text, whose length alone is needed, is only counted.
     */
    static final class Text {
        private String single;
        private StringBuilder joined;
        private long length;
        private boolean countOnly;
        /** {@link #hash()} once computed (never 0 then); 0 when the text changed since. */
        private long hashed;
        /** Parts that could not be read, over every message this text held (a per-parse tally). */
        private int opaqueParts;

        void clear() {
            single = null;
            joined = null;
            length = 0;
            countOnly = false;
            hashed = 0;
        }

        void countOnly(boolean countOnly) {
            if (countOnly && length == 0) {
                this.countOnly = true;
            }
        }

        long length() {
            return length;
        }

        boolean isEmpty() {
            return length == 0;
        }

        /** Appends the parser's current string token. */
        void append(JsonParser p) {
            hashed = 0;
            if (countOnly) {
                length += p.getStringLength();
            } else if (length == 0) {
                single = p.getString();
                joined = null;
                length = single.length();
            } else {
                builder().append(p.getStringCharacters(), p.getStringOffset(), p.getStringLength());
                length = joined.length();
            }
        }

        /** Appends the parser's current string token after a newline when there is text before it. */
        void appendSeparated(JsonParser p) {
            if (length > 0) {
                if (countOnly) {
                    length++;
                } else {
                    builder().append('\n');
                }
            }
            append(p);
        }

        /** Appends {@code text} after a newline when there is text before it (text read from an attachment). */
        void appendSeparated(String text) {
            if (text.isEmpty()) {
                return;
            }
            hashed = 0;
            if (countOnly) {
                length += (length > 0 ? 1 : 0) + text.length();
            } else if (length == 0) {
                single = text;
                joined = null;
                length = text.length();
            } else {
                length = builder().append('\n').append(text).length();
            }
        }

        /** Counts a part the guard cannot read ({@link Attachments}); kept for the whole parse, not cleared. */
        void opaque() {
            opaqueParts++;
        }

        /** Opaque parts read into this text since it was made ({@link #clear()} keeps the count). */
        int opaqueParts() {
            return opaqueParts;
        }

        /** Appends {@code other}'s text after a newline when both have text. */
        void appendSeparated(Text other) {
            if (other.isEmpty()) {
                return;
            }
            hashed = 0;
            if (length == 0) {
                single = other.toString();
                joined = null;
                length = single.length();
                return;
            }
            StringBuilder b = builder().append('\n');
            if (other.single != null) {
                b.append(other.single);
            } else {
                b.append(other.joined);
            }
            length = b.length();
        }

        /**
         * The hash of a conversation's root (never 0): {@code hashCharsToLong} of its text, computed as {@code
         * hashBytesToLong} of the text's UTF-16LE bytes (the same value by hash4j's definition of {@code putChars}).
         * The characters are copied into the bytes through a little-endian char view (a memory copy on this
         * little-endian platform, and a byte swap elsewhere) and hashed eight bytes a step: a quarter of the
         * time of {@code hashCharsToLong} at C2, under half at C1 (the replay), and it is the whole first turn.
         */
        long hash() {
            if (hashed != 0) {
                return hashed;
            }
            int n = single != null ? single.length() : joined != null ? joined.length() : 0;
            RootScratch s = ROOT_SCRATCH.get();
            RootScratch into = n <= s.chars.length ? s : n <= RootScratch.MAX_KEPT ? s.grow(n) : new RootScratch(n);
            if (single != null) {
                single.getChars(0, n, into.chars, 0);
            } else if (joined != null) {
                joined.getChars(0, n, into.chars, 0);
            }
            into.view.clear();
            into.view.put(into.chars, 0, n);
            hashed = ROOT_HASH.hashBytesToLong(into.bytes.array(), 0, 2 * n) | 1;
            return hashed;
        }

        /** Per thread, the buffers {@link #hash} converts a root's text in (grown to the longest root up to 64K characters). */
        private static final class RootScratch {
            static final int MAX_KEPT = 1 << 16;
            char[] chars;
            java.nio.ByteBuffer bytes;
            java.nio.CharBuffer view;

            RootScratch(int capacity) {
                chars = new char[capacity];
                bytes = java.nio.ByteBuffer.allocate(2 * capacity).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                view = bytes.asCharBuffer();
            }

            RootScratch grow(int capacity) {
                RootScratch larger = new RootScratch(capacity);
                chars = larger.chars;
                bytes = larger.bytes;
                view = larger.view;
                return this;
            }
        }

        private static final ThreadLocal<RootScratch> ROOT_SCRATCH = ThreadLocal.withInitial(() -> new RootScratch(1024));

        private StringBuilder builder() {
            if (joined == null) {
                joined = new StringBuilder((int) Math.min(Integer.MAX_VALUE - 16, length + (length >> 1) + 16));
                if (single != null) {
                    joined.append(single);
                    single = null;
                }
            }
            return joined;
        }

        @Override
        public String toString() {
            return single != null ? single : joined != null ? joined.toString() : "";
        }
    }
}
