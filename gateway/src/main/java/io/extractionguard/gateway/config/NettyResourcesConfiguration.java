package io.extractionguard.gateway.config;

import java.time.Duration;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * The gateway's own Netty event loops and connection pool, instead of Reactor Netty's JVM-wide ones
 * (Boot's default). With the global ones, closing one application in a JVM disposes the loops every
 * other server and client in that JVM runs on (another gateway instance, an embedding application,
 * the demo backend, test clients); and each context's close waited out the global quiet period again.
 * Closing this application now disposes only what it created. {@code spring.reactor.netty.shutdown-quiet-period}
 * still applies.
 */
@Configuration(proxyBeanMethods = false)
public class NettyResourcesConfiguration {

    @Bean
    ReactorResourceFactory reactorResourceFactory(
            @Value("${spring.reactor.netty.shutdown-quiet-period:2s}") Duration shutdownQuietPeriod) {
        ReactorResourceFactory factory = new ReactorResourceFactory();
        factory.setUseGlobalResources(false);
        factory.setShutdownQuietPeriod(shutdownQuietPeriod);
        return factory;
    }
}
