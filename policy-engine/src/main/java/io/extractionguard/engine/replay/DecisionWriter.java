package io.extractionguard.engine.replay;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;

import io.extractionguard.engine.decision.Decision;
import tools.jackson.core.JsonEncoding;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/** Writes the contract's decisions file: one JSON object per processed trace line. */
public final class DecisionWriter implements Closeable {

    private final JsonGenerator json;

    public DecisionWriter(OutputStream out) {
        // no separator between root values: each object ends with its own newline (JSON Lines)
        this.json = JsonFactory.builder().rootValueSeparator((String) null).build()
                .createGenerator(ObjectWriteContext.empty(), out, JsonEncoding.UTF8);
    }

    public void write(long line, Decision d) {
        json.writeStartObject();
        json.writeNumberProperty("line", line);
        json.writeStringProperty("account", d.accountId());
        json.writeStringProperty("action", d.action().name());
        json.writeNumberProperty("score", d.score());
        json.writeName("reasons");
        json.writeStartArray();
        for (String r : d.reasons()) {
            json.writeString(r);
        }
        json.writeEndArray();
        json.writeEndObject();
        json.writeRaw('\n');
    }

    @Override
    public void close() throws IOException {
        json.close(); // flushes and closes the target stream
    }
}
