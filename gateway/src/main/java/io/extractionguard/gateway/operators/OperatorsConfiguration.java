package io.extractionguard.gateway.operators;

import java.time.Clock;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

import io.extractionguard.gateway.config.GuardProperties;

/** The operator authenticator, in the main context so every operator-facing endpoint can use it. */
@Configuration(proxyBeanMethods = false)
public class OperatorsConfiguration {

    @Bean
    @Conditional(OnOperatorsConfigured.class)
    OperatorAuthenticator operatorAuthenticator(GuardProperties properties, Clock clock) {
        return OperatorAuthenticator.of(properties.admin(), clock);
    }
}
