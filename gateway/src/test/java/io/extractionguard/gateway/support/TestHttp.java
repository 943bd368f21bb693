package io.extractionguard.gateway.support;

import java.time.Duration;

import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.netty.channel.ChannelOption;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * A client bound to a running server's port with a connection of its own per request, not Reactor
 * Netty's JVM-wide pool. Tests that assert only a status leave the body unread, and WebTestClient does
 * not release such a connection (spring-framework#29817); on the shared pool those connections pile
 * up per server across every test class that reuses a cached context.
 */
public final class TestHttp {

    private TestHttp() {
    }

    public static WebTestClient to(int port) {
        return to(port, HttpClient.create(ConnectionProvider.newConnection()));
    }

    /** As {@link #to(int)}, its buffers allocated by {@code ledger}, which can then tell whether all were released. */
    public static WebTestClient to(int port, BufferLedger ledger) {
        return to(port, HttpClient.create(ConnectionProvider.newConnection()).option(ChannelOption.ALLOCATOR, ledger));
    }

    private static WebTestClient to(int port, HttpClient http) {
        return WebTestClient.bindToServer(new ReactorClientHttpConnector(http)).baseUrl("http://127.0.0.1:" + port)
                .responseTimeout(Duration.ofSeconds(30)).build();
    }
}
