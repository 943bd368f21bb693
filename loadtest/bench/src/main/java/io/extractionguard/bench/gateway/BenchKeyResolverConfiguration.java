package io.extractionguard.bench.gateway;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.cloud.gateway.filter.ratelimit.KeyResolver;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

import reactor.core.publisher.Mono;

/**
 * Bench-only: the key of the stock {@code RequestRateLimiter} route is the account header, the
 * same key the guard limits on, so both configurations do per-account work. Loaded from the
 * gateway's {@code loader.path} by {@code loadtest/bench/bench.sh}; never part of the product jar.
 */
@AutoConfiguration
@ConditionalOnClass(KeyResolver.class)
public class BenchKeyResolverConfiguration {

    @Bean
    @Primary // over Spring Cloud Gateway's principalNameKeyResolver
    KeyResolver benchAccountKeyResolver() {
        return exchange -> Mono.justOrEmpty(exchange.getRequest().getHeaders().getFirst("x-account-id"));
    }
}
