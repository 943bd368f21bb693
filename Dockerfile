# syntax=docker/dockerfile:1.7
# extraction-guard gateway image: multi-stage, JRE base, non-root, Spring Boot layered jar.
# Build from the repository root:  docker build -t extraction-guard:0.1.0 .
# Only the product is copied and built (-Dproduct: policy-engine and gateway); the demo model backend
# has an image of its own (loadtest/demo-backend/Dockerfile). ProductJarIT checks both.
# (No container engine exists on the development machines of this project, so this file is
#  exercised by review and by the manifests test, not by a build; see README "Deployment".)

ARG JDK_IMAGE=eclipse-temurin:21-jdk-noble
ARG JRE_IMAGE=eclipse-temurin:21-jre-noble

FROM ${JDK_IMAGE} AS build
WORKDIR /src
# dependency layer first: only the build files, so source edits do not re-download Maven Central
COPY mvnw pom.xml ./
COPY .mvn .mvn
COPY policy-engine/pom.xml policy-engine/
COPY gateway/pom.xml gateway/
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -q -Dproduct -pl gateway -am dependency:go-offline -DexcludeReactor=true
COPY config config
COPY policy-engine/src/main policy-engine/src/main
COPY gateway/src/main gateway/src/main
# reproducible: fixed output timestamp for jar entries; tests run in CI, not here (maven.test.skip: no test sources)
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -q -Dproduct -pl gateway -am package -Dmaven.test.skip=true \
      -Dproject.build.outputTimestamp=2026-01-01T00:00:00Z \
 && java -Djarmode=tools -jar gateway/target/extraction-guard-gateway.jar extract --layers --launcher --destination /layers

FROM ${JRE_IMAGE}
RUN groupadd --system --gid 10001 guard && useradd --system --uid 10001 --gid guard --no-create-home guard
WORKDIR /app
COPY --from=build --chown=10001:10001 /layers/dependencies/ ./
COPY --from=build --chown=10001:10001 /layers/spring-boot-loader/ ./
COPY --from=build --chown=10001:10001 /layers/snapshot-dependencies/ ./
COPY --from=build --chown=10001:10001 /layers/application/ ./
COPY --chown=10001:10001 config/policies /etc/extraction-guard/policies
USER 10001:10001
ENV GUARD_POLICY_PATH=/etc/extraction-guard/policies/default.yaml \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
EXPOSE 8080 8081
ENTRYPOINT ["java", "--enable-native-access=ALL-UNNAMED", "org.springframework.boot.loader.launch.JarLauncher"]
