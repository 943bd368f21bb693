// c-prep measurement harness (see AB.java): the stages parse, identity (trusted headers from 127.0.0.1), features,
// prepare (features + campaign indicators) over the cost bench's bodies, with the shipped default policy.
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.time.Clock;
import java.util.*;
import java.util.function.IntSupplier;
import io.extractionguard.engine.decision.*;
import io.extractionguard.engine.identity.*;
import io.extractionguard.engine.policy.*;
import io.extractionguard.engine.request.*;
import io.extractionguard.engine.memory.*;
import io.extractionguard.engine.spi.HeaderSource;

/** Per-request preparation stages over the cost bench's bodies; loaded once per jar (A/B in one JVM). */
public class PrepOps {
    public static IntSupplier[] ops(String bodiesFile) throws Exception {
        List<byte[]> bodies = new ArrayList<>();
        for (String l : Files.readAllLines(Path.of(bodiesFile))) bodies.add(l.getBytes(StandardCharsets.UTF_8));
        Policy policy;
        try (InputStream in = PrepOps.class.getResourceAsStream("/policies/default.yaml")) {
            policy = new PolicyLoader().load("default.yaml", in.readAllBytes());
        }
        RequestParser parser = new RequestParser();
        IdentityResolver ids = new IdentityResolver("0123456789abcdef0123".getBytes(), List.of(Cidr.parse("127.0.0.1/32").orElseThrow()));
        Clock clock = Clock.systemUTC();
        GuardEngine engine = new GuardEngine(() -> policy, new InMemoryStateStore(clock), new LocalRateLimiter(clock), clock);
        int n = bodies.size();
        InferenceRequest[] reqs = new InferenceRequest[n];
        for (int i = 0; i < n; i++) reqs[i] = ((ParseResult.Parsed) parser.parse(ApiFormat.ANTHROPIC_MESSAGES, bodies.get(i))).request();
        HeaderSource[] hs = new HeaderSource[1024];
        for (int i = 0; i < hs.length; i++) {
            Map<String, String> m = Map.of("content-type", "application/json", "x-account-id", "bench-" + (i * 7919 % 10000),
                "x-account-tier", "enterprise", "user-agent", "wrk", "host", "127.0.0.1:18080");
            hs[i] = m::get;
        }
        ClientIdentity id0 = ids.resolve(hs[0], "127.0.0.1");
        int[] k = new int[1];
        return new IntSupplier[]{
            () -> { int i = k[0]++ % n; return ((ParseResult.Parsed) parser.parse(ApiFormat.ANTHROPIC_MESSAGES, bodies.get(i))).request().turns(); },
            () -> { int i = k[0]++ & 1023; return ids.resolve(hs[i], "127.0.0.1").accountId().length(); },
            () -> { int i = k[0]++ % n; return policy.extractor().extract(reqs[i]).promptTokens(); },
            () -> { int i = k[0]++ % n; return engine.prepare(new GuardRequest(id0, reqs[i])).features().promptTokens(); },
        };
    }
}
