# One image for every tokenwatch role; the role is the command (see docker-compose.yml):
#   docker run tokenwatch detector --bootstrap-servers kafka:9092
# Multi-stage: the build stage needs only a JDK (the Maven wrapper fetches Maven and dependencies).
FROM eclipse-temurin:17-jdk AS build
# Both stages carry the label, so unused builds of this project can be pruned without touching others.
LABEL org.opencontainers.image.title="tokenwatch"
WORKDIR /src
COPY .mvn .mvn
COPY mvnw pom.xml ./
COPY schemas schemas
COPY broker broker
COPY ingest-filter ingest-filter
COPY detector detector
COPY launcher launcher
COPY benchmarks benchmarks
RUN ./mvnw -B -q -ntp -Dmaven.test.skip=true -pl launcher -am package

FROM eclipse-temurin:17-jre
LABEL org.opencontainers.image.title="tokenwatch"
# curl serves the compose health checks (a JVM per check would cost ~0.7 CPU-s every few seconds) and
# the demo client; installed only where the base image lacks it.
RUN command -v curl >/dev/null || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
        --no-install-recommends curl && rm -rf /var/lib/apt/lists/*; }
RUN groupadd --system tokenwatch && useradd --system --gid tokenwatch --uid 10001 tokenwatch \
    && mkdir -p /var/lib/tokenwatch /keys && chown tokenwatch:tokenwatch /var/lib/tokenwatch /keys
COPY --from=build /src/launcher/target/tokenwatch.jar /opt/tokenwatch/tokenwatch.jar
USER 10001
WORKDIR /var/lib/tokenwatch
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/opt/tokenwatch/tokenwatch.jar"]
CMD ["--help"]
