package io.tokenwatch.detector.explain;

import io.tokenwatch.detector.profile.LearningPeriod;
import io.tokenwatch.detector.profile.UserProfile;
import io.tokenwatch.detector.profile.UserProfileStore;
import io.tokenwatch.schemas.Keys;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Answers "explain subject {@code iss|sub}" on a running detector with interactive queries. The
 * subject's profile and recent alerts live in the task of its usage partition; when several
 * instances run (each with its {@code application.server}), the one whose {@code application.server}
 * is the key's active host answers, and any other forwards the request to it and relays the answer.
 * A forwarded request is answered where it lands (no second hop), so a stale view of who owns what
 * cannot make two instances bounce a request between them.
 *
 * <p>Thread-safe.
 */
public final class ExplainRouter {

    private static final Logger LOG = LoggerFactory.getLogger(ExplainRouter.class);
    private static final Duration FORWARD_TIMEOUT = Duration.ofSeconds(5);

    private final KafkaStreams streams;
    private final HostInfo self;
    private final LearningPeriod learning;
    private final Clock clock;
    private final HttpClient http;

    /**
     * @param self this instance's {@code application.server}, or {@code null} when it runs alone (every
     *             key is then local)
     */
    public ExplainRouter(KafkaStreams streams, HostInfo self, LearningPeriod learning, Clock clock) {
        this.streams = Objects.requireNonNull(streams, "streams");
        this.self = self;
        this.learning = Objects.requireNonNull(learning, "learning");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.http = HttpClient.newBuilder().connectTimeout(FORWARD_TIMEOUT).build();
    }

    /** Explains {@code iss|sub}; {@code forwarded} marks a request another instance sent here. */
    public ExplainAnswer explain(String issuer, String subject, boolean forwarded) {
        String key;
        try {
            key = Keys.subject(issuer, subject);
        } catch (IllegalArgumentException | NullPointerException e) {
            return ExplainAnswer.error(400, "invalid_request", "sub and iss are required");
        }
        if (streams.state() != KafkaStreams.State.RUNNING) {
            return notReady();
        }
        if (self != null && !forwarded) {
            KeyQueryMetadata owner = streams.queryMetadataForKey(UserProfileStore.NAME, key,
                    Serdes.String().serializer());
            if (owner == null || KeyQueryMetadata.NOT_AVAILABLE.equals(owner)) {
                return ExplainAnswer.error(503, "not_ready", "the owner of this subject is not known yet");
            }
            if (!self.equals(owner.activeHost())) {
                return forward(owner.activeHost(), issuer, subject);
            }
        }
        return local(issuer, subject);
    }

    private ExplainAnswer local(String issuer, String subject) {
        try {
            ReadOnlyKeyValueStore<String, UserProfile> profiles = streams.store(
                    StoreQueryParameters.fromNameAndType(UserProfileStore.NAME, QueryableStoreTypes.keyValueStore()));
            ReadOnlyKeyValueStore<String, RecentAlerts> recent = streams.store(
                    StoreQueryParameters.fromNameAndType(RecentAlertsProcessor.STORE,
                            QueryableStoreTypes.keyValueStore()));
            return new SubjectExplainer(profiles::get, recent::get, learning, clock).explain(issuer, subject)
                    .map(body -> ExplainAnswer.ok(answeredBy(body)))
                    .orElseGet(() -> ExplainAnswer.error(404, "not_found", "nothing is known about this subject"));
        } catch (InvalidStateStoreException e) {
            // Rebalancing or restoring: the store moved or is not queryable yet.
            return notReady();
        }
    }

    private Map<String, Object> answeredBy(Map<String, Object> body) {
        Map<String, Object> out = new LinkedHashMap<>(body);
        out.put("answered_by", self == null ? "local" : self.host() + ":" + self.port());
        return out;
    }

    private ExplainAnswer forward(HostInfo owner, String issuer, String subject) {
        URI uri = URI.create("http://" + owner.host() + ":" + owner.port() + "/explain?sub="
                + URLEncoder.encode(subject, StandardCharsets.UTF_8) + "&iss="
                + URLEncoder.encode(issuer, StandardCharsets.UTF_8) + "&forwarded=true");
        try {
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(FORWARD_TIMEOUT).GET().build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new ExplainAnswer(response.statusCode(), response.body());
        } catch (IOException e) {
            LOG.warn("could not forward explain request to {}:{}: {}", owner.host(), owner.port(), e.toString());
            return ExplainAnswer.error(502, "owner_unreachable", "the instance that owns this subject did not answer");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExplainAnswer.error(503, "interrupted", "interrupted");
        }
    }

    private ExplainAnswer notReady() {
        return ExplainAnswer.error(503, "not_ready", "the detector is " + streams.state());
    }
}
