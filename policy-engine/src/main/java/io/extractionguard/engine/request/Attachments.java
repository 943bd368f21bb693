package io.extractionguard.engine.request;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * The fields of a content part besides {@code text} that the model reads: Anthropic {@code document} and {@code image}
 * blocks ({@code source} of type text, content, base64, url or file; {@code title}, {@code context}), {@code
 * search_result} titles and sources, Chat {@code file}, {@code image_url} and {@code input_audio} parts, Responses
 * {@code input_file} and {@code input_image}. Text the guard can read (a text source, a content source's blocks, a
 * base64 {@code text/*} document decoded, titles, contexts, file names) is appended to the turn's text, so every
 * content feature sees it; what it cannot read (binary data, URLs, file ids, images, audio) is counted as an
 * {@linkplain Conversation.Text#opaque() opaque} part, which the policy weighs ({@code features.opaque-content}).
 * Stateless; methods return a problem description, or null when the value was read.
 */
final class Attachments {

    /** Base64 characters of a text document decoded at most (192 KiB of text); the rest is opaque. */
    static final int MAX_DECODED_BASE64 = 256 * 1024;

    private Attachments() {
    }

    /** Whether {@code field} of a content part is read here. */
    static boolean reads(String field) {
        return switch (field) {
            case "source", "title", "context", "filename", "file", "file_data", "file_id", "file_url", "image_url",
                 "input_audio" -> true;
            default -> false;
        };
    }

    /** Reads the part field {@code field} (its value's first token {@code v}) into {@code into}. */
    static String read(String field, JsonToken v, JsonParser p, Conversation.Text into, String where) {
        switch (field) {
            case "title", "context", "filename" -> {
                if (v == JsonToken.VALUE_STRING) {
                    into.appendSeparated(p);
                } else {
                    p.skipChildren();
                }
                return null;
            }
            case "source" -> {
                if (v == JsonToken.START_OBJECT) {
                    return readSource(p, into, where + ".source");
                }
                if (v == JsonToken.VALUE_STRING) {
                    into.appendSeparated(p); // a search result's source: a label the model reads
                } else {
                    p.skipChildren();
                }
                return null;
            }
            case "file" -> {
                if (v == JsonToken.START_OBJECT) {
                    return readChatFile(p, into, where + ".file");
                }
                p.skipChildren();
                return null;
            }
            case "file_data" -> {
                if (v == JsonToken.VALUE_STRING) {
                    readDataUrl(p.getString(), into);
                } else {
                    p.skipChildren();
                }
                return null;
            }
            default -> {
                // file_id, file_url, image_url, input_audio: content fetched or decoded by the upstream only
                if (v != JsonToken.VALUE_NULL) {
                    into.opaque();
                }
                p.skipChildren();
                return null;
            }
        }
    }

    /** An Anthropic {@code source}: text and content sources are read, text/* base64 decoded, the rest opaque. */
    private static String readSource(JsonParser p, Conversation.Text into, String where) {
        String type = null;
        String mediaType = null;
        String data = null;
        boolean readContent = false;
        String n;
        while ((n = p.nextName()) != null) {
            JsonToken v = p.nextToken();
            switch (n) {
                case "type" -> type = v == JsonToken.VALUE_STRING ? p.getString() : null;
                case "media_type" -> mediaType = v == JsonToken.VALUE_STRING ? p.getString() : null;
                case "data" -> {
                    if (v == JsonToken.VALUE_STRING) {
                        data = p.getString();
                    } else {
                        p.skipChildren();
                    }
                }
                case "content" -> {
                    String problem = readBlocks(p, v, into, where + ".content");
                    if (problem != null) {
                        return problem;
                    }
                    readContent = true;
                }
                default -> p.skipChildren();
            }
        }
        if ("text".equals(type) && data != null) {
            into.appendSeparated(data);
        } else if ("base64".equals(type) && data != null && isText(mediaType)) {
            decodeText(data, into);
        } else if (!("content".equals(type) && readContent)) {
            into.opaque(); // base64 images and PDFs, url, file, and any source type not known here
        }
        return null;
    }

    /** A content source's blocks: strings, or blocks whose text (and attachments) is read. */
    private static String readBlocks(JsonParser p, JsonToken t, Conversation.Text into, String where) {
        if (t == JsonToken.VALUE_STRING) {
            into.appendSeparated(p);
            return null;
        }
        if (t != JsonToken.START_ARRAY) {
            p.skipChildren();
            return null;
        }
        int index = 0;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == JsonToken.VALUE_STRING) {
                into.appendSeparated(p);
            } else if (t == JsonToken.START_OBJECT) {
                String problem = readBlock(p, into, where + "[" + index + "]");
                if (problem != null) {
                    return problem;
                }
            } else {
                p.skipChildren();
            }
            index++;
        }
        return null;
    }

    /** One block: its {@code text} and the attachment fields of {@link #read}. */
    static String readBlock(JsonParser p, Conversation.Text into, String where) {
        String n;
        while ((n = p.nextName()) != null) {
            JsonToken v = p.nextToken();
            if ("text".equals(n) && v == JsonToken.VALUE_STRING) {
                into.appendSeparated(p);
            } else if (reads(n)) {
                String problem = read(n, v, p, into, where);
                if (problem != null) {
                    return problem;
                }
            } else {
                p.skipChildren();
            }
        }
        return null;
    }

    /** A Chat {@code file} part's object: {@code file_data} (a data URL), {@code file_id}, {@code filename}. */
    private static String readChatFile(JsonParser p, Conversation.Text into, String where) {
        String n;
        while ((n = p.nextName()) != null) {
            JsonToken v = p.nextToken();
            if ("file_data".equals(n) || "file_id".equals(n) || "filename".equals(n) || "file_url".equals(n)) {
                read(n, v, p, into, where);
            } else {
                p.skipChildren();
            }
        }
        return null;
    }

    /** A file's data as OpenAI takes it, {@code data:<media type>;base64,<data>}: text/* decoded, else opaque. */
    static void readDataUrl(String url, Conversation.Text into) {
        int comma = url.indexOf(',');
        if (url.regionMatches(true, 0, "data:", 0, 5) && comma > 0) {
            String header = url.substring(5, comma).toLowerCase(Locale.ROOT);
            if (header.endsWith(";base64") && isText(header.substring(0, header.indexOf(';')))) {
                decodeText(url.substring(comma + 1), into);
                return;
            }
        }
        into.opaque();
    }

    /** Whether a media type is text the model reads as such (text/plain, text/markdown, text/csv, ...). */
    private static boolean isText(String mediaType) {
        return mediaType != null && mediaType.regionMatches(true, 0, "text/", 0, 5);
    }

    /**
     * Decodes base64 UTF-8 text into {@code into}, at most {@link #MAX_DECODED_BASE64} characters of it (the rest
     * is counted opaque); data that is not base64 or not UTF-8 is opaque as a whole.
     */
    static void decodeText(String base64, Conversation.Text into) {
        String data = base64;
        boolean truncated = data.length() > MAX_DECODED_BASE64;
        // the head of a longer document: whole base64 quads, and a character cut at its end replaced
        CodingErrorAction malformed = truncated ? CodingErrorAction.REPLACE : CodingErrorAction.REPORT;
        if (truncated) {
            data = data.substring(0, MAX_DECODED_BASE64);
        }
        try {
            byte[] bytes = Base64.getDecoder().decode(data); // strict: what is not base64 is not read as text
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(malformed)
                    .onUnmappableCharacter(malformed)
                    .decode(ByteBuffer.wrap(bytes)).toString();
            into.appendSeparated(text);
        } catch (IllegalArgumentException | CharacterCodingException e) {
            truncated = true;
        }
        if (truncated) {
            into.opaque();
        }
    }
}
