package io.extractionguard.gateway.state.redis;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.redisson.api.RedissonClient;

import io.extractionguard.gateway.support.RespCountingProxy;
import io.extractionguard.gateway.support.TestRedis;
import redis.clients.jedis.Jedis;

/**
 * The fleet simulation on one machine (docs/redis.md, "What a replica pays"): one real gateway
 * replica (its jar, {@code redis} profile, a JVM of its own) takes its own traffic at a fixed modest
 * rate while a {@link SyntheticFleet} writes campaign evidence into the same Redis at 1×, 10× and
 * 100× that rate. Per phase it reports the replica's CPU per own request (utime + stime from /proc,
 * and the share of its {@code guard-campaign*} threads), heap after a full GC ({@code jcmd}), the
 * Redis commands and bytes the replica itself sent and received (a counting proxy sits between it and
 * Redis) and the commands of the whole Redis ({@code INFO commandstats}) per own request.
 * Run by {@code loadtest/bench/fleet-sim.sh}.
 *
 * <pre>
 * FleetSimulation --jar gateway.jar --redis-port 6391 --backend http://127.0.0.1:18890 --label old
 *                 [--rate 20] [--multipliers 1,10,100] [--seconds 20] [--warmup 10] [--work DIR] [--out FILE]
 *                 [--counters guard.campaign.sync.applied]
 * </pre>
 */
public final class FleetSimulation {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private FleetSimulation() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new java.util.HashMap<>(Map.of("--rate", "20", "--multipliers", "1,10,100",
                "--seconds", "20", "--warmup", "10", "--work", "target/fleet-sim", "--port", "18805",
                "--counters", "guard.campaign.sync.applied"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            o.put(args[i], args[i + 1]);
        }
        Path work = Path.of(o.get("--work"));
        Files.createDirectories(work);
        int redisPort = Integer.parseInt(o.get("--redis-port"));
        double rate = Double.parseDouble(o.get("--rate"));
        int seconds = Integer.parseInt(o.get("--seconds"));
        int warmup = Integer.parseInt(o.get("--warmup"));
        int port = Integer.parseInt(o.get("--port"));
        String label = o.get("--label");
        String prefix = "fleet-" + label + "-" + System.currentTimeMillis();
        String[] counters = o.get("--counters").split(",");
        String redisUrl = "redis://127.0.0.1:" + redisPort;

        try (RespCountingProxy proxy = new RespCountingProxy(0, "127.0.0.1", redisPort);
             Jedis jedis = new Jedis("127.0.0.1", redisPort)) {
            Process gateway = startGateway(o.get("--jar"), port, proxy.port(), prefix, o.get("--backend"), work, label);
            RedissonClient fleetClient = TestRedis.client(redisUrl);
            try {
                awaitReady(port + 100, gateway);
                long pid = gateway.pid();
                try (OwnTraffic own = new OwnTraffic("http://127.0.0.1:" + port, rate)) {
                    Thread.sleep(warmup * 2000L); // JIT, leases, first buckets
                    for (String m : o.get("--multipliers").split(",")) {
                        int multiplier = Integer.parseInt(m.trim());
                        try (SyntheticFleet fleet = new SyntheticFleet(fleetClient, new RedisKeys(prefix), "fleet-" + m,
                                rate * multiplier, multiplier)) {
                            Thread.sleep(warmup * 1000L);
                            Snapshot before = snapshot(pid, own, proxy, jedis, port + 100, counters, fleet);
                            Thread.sleep(seconds * 1000L);
                            Snapshot after = snapshot(pid, own, proxy, jedis, port + 100, counters, fleet);
                            long heap = heapAfterGc(pid);
                            String line = line(label, multiplier, seconds, before, after, heap, counters);
                            System.out.println(line);
                            if (o.containsKey("--out")) {
                                Files.writeString(Path.of(o.get("--out")), line + "\n", StandardOpenOption.CREATE,
                                        StandardOpenOption.APPEND);
                            }
                        }
                    }
                }
            } finally {
                gateway.destroy();
                gateway.waitFor();
                fleetClient.getKeys().deleteByPattern(prefix + ":*");
                fleetClient.shutdown();
            }
        }
        System.exit(0);
    }

    private static Process startGateway(String jar, int port, int redisPort, String prefix, String backend, Path work,
                                        String label) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms256m", "-Xmx768m", "--enable-native-access=ALL-UNNAMED", "-jar", jar,
                "--server.port=" + port, "--management.server.port=" + (port + 100),
                "--spring.profiles.active=redis", "--guard.state.redis.address=redis://127.0.0.1:" + redisPort,
                "--guard.state.redis.key-prefix=" + prefix, "--guard.upstream-uri=" + backend,
                "--guard.audit.path=" + work.resolve("audit-" + label + ".jsonl"),
                "--guard.decision-log.enabled=false",
                "--guard.identity.credential-hash-key=fleet-sim-credential-hash-key-0123456789"));
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(work.resolve("gateway-" + label + ".log").toFile()).start();
    }

    private static void awaitReady(int managementPort, Process gateway) throws Exception {
        URI health = URI.create("http://127.0.0.1:" + managementPort + "/actuator/health/readiness");
        for (int i = 0; i < 240; i++) {
            if (!gateway.isAlive()) {
                throw new IllegalStateException("gateway exited: " + gateway.exitValue());
            }
            try {
                if (HTTP.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not up yet
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("gateway not ready");
    }

    record Snapshot(long nanos, double cpuSeconds, double campaignCpuSeconds, long own, long refused, long commands,
                    long bytesOut, long bytesIn, long redisCommands, double[] counters, long fleetRequests) {
    }

    private static Snapshot snapshot(long pid, OwnTraffic own, RespCountingProxy proxy, Jedis jedis, int managementPort,
                                     String[] counters, SyntheticFleet fleet) throws Exception {
        double[] values = new double[counters.length];
        for (int i = 0; i < counters.length; i++) {
            values[i] = counter(managementPort, counters[i]);
        }
        double[] cpu = cpu(pid);
        return new Snapshot(System.nanoTime(), cpu[0], cpu[1], own.answered(), own.refused(), proxy.commands(),
                proxy.bytesToRedis(), proxy.bytesFromRedis(), redisCommands(jedis), values, fleet.requests());
    }

    /** Process CPU seconds, and those of its threads named guard-campaign*. */
    static double[] cpu(long pid) throws IOException {
        double hz = 100; // SC_CLK_TCK on Linux
        double total = ticks(Files.readString(Path.of("/proc/" + pid + "/stat"))) / hz;
        double campaign = 0;
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    if (Files.readString(t.resolve("comm")).startsWith("guard-campaign")) {
                        campaign += ticks(Files.readString(t.resolve("stat"))) / hz;
                    }
                } catch (IOException e) {
                    // the thread ended
                }
            }
        }
        return new double[] {total, campaign};
    }

    private static long ticks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static double counter(int managementPort, String name) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + managementPort + "/actuator/metrics/" + name)).build(),
                HttpResponse.BodyHandlers.ofString());
        Matcher m = Pattern.compile("\"value\"\\s*:\\s*([0-9.Ee+-]+)").matcher(r.body());
        return r.statusCode() == 200 && m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    static long redisCommands(Jedis jedis) {
        return RedisCampaignSyncCostTest.commandStats(jedis).values().stream().mapToLong(Long::longValue).sum();
    }

    /** Heap in use after a full GC, bytes. */
    static long heapAfterGc(long pid) throws Exception {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        new ProcessBuilder(jcmd, Long.toString(pid), "GC.run").redirectErrorStream(true).start().waitFor();
        Process p = new ProcessBuilder(jcmd, Long.toString(pid), "GC.heap_info").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        Matcher m = Pattern.compile("used (\\d+)K").matcher(out);
        return m.find() ? Long.parseLong(m.group(1)) * 1024 : -1;
    }

    private static String line(String label, int multiplier, int seconds, Snapshot a, Snapshot b, long heap,
                               String[] counters) throws IOException {
        double own = Math.max(1, b.own() - a.own());
        double elapsed = (b.nanos() - a.nanos()) / 1e9;
        StringBuilder s = new StringBuilder();
        s.append(String.format("design=%s\tmultiplier=%d\tseconds=%.1f\town_rps=%.1f\tfleet_rps=%.0f\trefused=%.2f"
                        + "\tcpu_us_per_req=%.0f\tcampaign_cpu_us_per_req=%.0f\theap_mb=%.1f\treplica_cmds_per_req=%.3f"
                        + "\treplica_bytes_out_per_req=%.0f\treplica_bytes_in_per_req=%.0f\tredis_cmds_per_req=%.2f",
                label, multiplier, elapsed, own / elapsed, (b.fleetRequests() - a.fleetRequests()) / elapsed,
                (b.refused() - a.refused()) / own,
                (b.cpuSeconds() - a.cpuSeconds()) * 1e6 / own, (b.campaignCpuSeconds() - a.campaignCpuSeconds()) * 1e6 / own,
                heap / 1048576.0, (b.commands() - a.commands()) / own, (b.bytesOut() - a.bytesOut()) / own,
                (b.bytesIn() - a.bytesIn()) / own, (b.redisCommands() - a.redisCommands()) / own));
        for (int i = 0; i < counters.length; i++) {
            s.append(String.format("\t%s_per_req=%.2f", counters[i], (b.counters()[i] - a.counters()[i]) / own));
        }
        s.append("\tload=").append(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        return s.toString();
    }
}
