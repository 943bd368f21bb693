package io.extractionguard.gateway.filter;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.reactivestreams.Publisher;
import org.springframework.core.ResolvableType;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ReactiveHttpInputMessage;
import org.springframework.http.codec.multipart.DefaultPartHttpMessageReader;
import org.springframework.http.codec.multipart.FormFieldPart;
import org.springframework.http.codec.multipart.Part;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.json.JsonFactory;

/**
 * The OpenAI batch flow's wire details: the multipart upload of a batch file ({@code POST /v1/files}),
 * the file id in the upload's response, and the {@code input_file_id} of a batch create
 * ({@code POST /v1/batches}). Multipart is read with Spring's reader, in memory, and refused when
 * the upstream could read it differently (a field or the file sent twice).
 */
final class BatchFiles {

    /** A batch file upload: its {@code purpose} and the file's bytes; or why it cannot be read. */
    record Upload(String purpose, byte[] file, String problem) {
    }

    private final JsonFactory json;

    BatchFiles(JsonFactory json) {
        this.json = json;
    }

    /** Reads a {@code multipart/form-data} upload held in memory. */
    Mono<Upload> readUpload(HttpHeaders headers, byte[] body, int maxBytes) {
        DefaultPartHttpMessageReader reader = new DefaultPartHttpMessageReader();
        reader.setMaxInMemorySize(maxBytes); // never spills to disk: the body is in memory already
        reader.setMaxParts(16);
        ReactiveHttpInputMessage message = new ReactiveHttpInputMessage() {
            @Override
            public HttpHeaders getHeaders() {
                return headers;
            }

            @Override
            public Flux<DataBuffer> getBody() {
                return Flux.just(DefaultDataBufferFactory.sharedInstance.wrap(body));
            }
        };
        return reader.read(ResolvableType.forClass(Part.class), message, Map.of())
                .concatMap(part -> DataBufferUtils.join(part.content())
                        .map(DataBuffers::drain)
                        .defaultIfEmpty(new byte[0])
                        .map(bytes -> Map.entry(part, bytes)))
                .collectList()
                .map(BatchFiles::upload)
                .onErrorResume(e -> Mono.just(new Upload(null, null, "request body is not valid multipart/form-data")));
    }

    private static Upload upload(List<Map.Entry<Part, byte[]>> parts) {
        String purpose = null;
        byte[] file = null;
        for (Map.Entry<Part, byte[]> e : parts) {
            String name = e.getKey().name();
            if (name.equals("purpose")) {
                if (purpose != null) {
                    return new Upload(null, null, "purpose: sent twice");
                }
                purpose = e.getKey() instanceof FormFieldPart field ? field.value()
                        : new String(e.getValue(), java.nio.charset.StandardCharsets.UTF_8);
            } else if (name.equals("file")) {
                if (file != null) {
                    return new Upload(null, null, "file: sent twice");
                }
                file = e.getValue();
            }
        }
        if (purpose == null || file == null) {
            return new Upload(null, null, "purpose and file: both required");
        }
        return new Upload(purpose.trim(), file, null);
    }

    /** The {@code input_file_id} of a batch create body, or null when there is none or the body is not plain JSON. */
    String inputFileId(byte[] body) {
        try (JsonParser p = json.createParser(ObjectReadContext.empty(), body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            String id = null;
            String name;
            while ((name = p.nextName()) != null) {
                JsonToken t = p.nextToken();
                if (name.equals("input_file_id") && t == JsonToken.VALUE_STRING) {
                    id = p.getString();
                } else {
                    p.skipChildren();
                }
            }
            return p.nextToken() == null ? id : null;
        } catch (JacksonException e) {
            return null;
        }
    }

    /**
     * The client's response, with the upstream's answer to an upload read on its way through: a
     * successful one's {@code id} goes to {@code onFileId}.
     */
    ServerHttpResponse capturingFileId(ServerHttpResponse response, Consumer<String> onFileId) {
        return new ServerHttpResponseDecorator(response) {
            @Override
            public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
                return DataBufferUtils.join(Flux.from(body), 1 << 20).flatMap(buffer -> {
                    byte[] bytes = DataBuffers.drain(buffer);
                    if (getStatusCode() != null && getStatusCode().is2xxSuccessful()) {
                        String id = fileId(bytes);
                        if (id != null) {
                            onFileId.accept(id);
                        }
                    }
                    return super.writeWith(Mono.just(bufferFactory().wrap(bytes)));
                });
            }
        };
    }

    private String fileId(byte[] body) {
        try (JsonParser p = json.createParser(ObjectReadContext.empty(), body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            String name;
            while ((name = p.nextName()) != null) {
                JsonToken t = p.nextToken();
                if (name.equals("id") && t == JsonToken.VALUE_STRING) {
                    return p.getString();
                }
                p.skipChildren();
            }
            return null;
        } catch (JacksonException e) {
            return null;
        }
    }
}
