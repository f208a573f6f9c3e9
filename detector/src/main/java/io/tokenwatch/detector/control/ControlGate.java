package io.tokenwatch.detector.control;

import io.tokenwatch.detector.rules.ClientNetwork;
import io.tokenwatch.detector.rules.Detection;
import io.tokenwatch.detector.rules.Findings;
import io.tokenwatch.detector.rules.ForgedTokenBurstRule;
import io.tokenwatch.schemas.Alert;
import io.tokenwatch.schemas.Revocation;
import io.tokenwatch.schemas.Suppression;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The one place between the rules and every output (alerts, ECS, metrics, recent alerts, revocations)
 * where operators' controls apply, so that no output can disagree with another about a finding.
 * For each finding, in this order:
 *
 * <ol>
 *   <li>the rule's response is {@code observe} ({@link ResponseOverrides}): counted, nothing published;</li>
 *   <li>a live suppression covers the rule and the finding's subject ({@link Suppressions}): counted,
 *       nothing published until it expires or is lifted;</li>
 *   <li>the subject is an allow-listed service account, or its issuer is allow-listed, for this rule
 *       ({@link SubjectAllowList}): counted, nothing published;</li>
 *   <li>the rule is network-dependent ({@link RuleSets#NETWORK_DEPENDENT}) and the networks its alert
 *       cites are allow-listed, weighed as the rule's {@link RuleSets.NetworkWeighing} says: counted,
 *       nothing published;</li>
 *   <li>otherwise the alert is published, and its containment is what is left after: the rule's
 *       response being {@code alert} (containment withheld); an IP-scope block of an allow-listed
 *       network turned into a throttle of it; audit mode (everything withheld, listed in the alert
 *       as {@code unmapped.response.would_issue} and counted).</li>
 * </ol>
 *
 * <p>Subject-based controls (2, 3) use the alert's {@code actor.user}, which the rules fill only for
 * subjects whose token verified, and never apply to {@link RuleSets#UNVERIFIED_SIGNAL} rules: a forged
 * token names whichever subject its sender likes, and must not be able to borrow a suppression.
 *
 * <p>Forged tokens from an allow-listed network still alert and are still contained: the allow-list
 * says the network's users are normal, not that anything sent from it is. What changes is the
 * containment's strength: an office NAT carries hundreds of people, and a block of it (e.g. after a
 * signing-key rotation done in the wrong order makes all of them fail {@code unknown_key}) would lock
 * them all out, so a block of an allow-listed address becomes a throttle of it. The filters' rate
 * limit then bounds what a forger behind the NAT can send, so the flood cannot wear the filters down,
 * and the people behind it are slowed, not locked out. An operator who wants no containment of it at
 * all says so explicitly with {@code --response forged_token_burst=alert}.
 *
 * <p>Every published alert carries in {@code unmapped.response.mode} the mode, and in
 * {@code unmapped.silence} the operator actions that would silence that finding ({@link Silence}).
 * Suppression expiry is judged by the wall clock ({@link ProcessorContext#currentSystemTimeMs()}).
 *
 * <p>Not thread-safe; Kafka Streams gives each task its own instance.
 */
public final class ControlGate implements Processor<String, Detection, String, Detection> {

    private static final Logger LOG = LoggerFactory.getLogger(ControlGate.class);

    private final Controls controls;
    private final ControlListener listener;
    private ProcessorContext<String, Detection> context;
    private Suppressions suppressions;

    ControlGate(Controls controls, ControlListener listener) {
        this.controls = Objects.requireNonNull(controls, "controls");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** The gate over the global store {@link Suppressions#STORE} (added by {@link Suppressions#addTo}). */
    public static ProcessorSupplier<String, Detection, String, Detection> supplier(Controls controls,
                                                                                ControlListener listener) {
        Objects.requireNonNull(controls, "controls");
        Objects.requireNonNull(listener, "listener");
        return () -> new ControlGate(controls, listener);
    }

    @Override
    public void init(ProcessorContext<String, Detection> context) {
        this.context = context;
        this.suppressions = Suppressions.in(context);
    }

    @Override
    public void process(Record<String, Detection> record) {
        Detection detection = record.value();
        if (detection == null) {
            return;
        }
        Finding finding = Finding.of(detection.alert());
        Optional<GateOutcome> silenced = silencedBy(finding);
        if (silenced.isPresent()) {
            LOG.debug("{} finding {} of {}: {}", silenced.get().wire(), finding.uid(), finding.rule(),
                    finding.subjectKey());
            listener.gated(finding.rule(), silenced.get());
            return;
        }
        List<Revocation> containment = new ArrayList<>(detection.revocations());
        List<Revocation> withheldByResponse = List.of();
        if (controls.responses().atGate(finding.rule(), finding.severity()) == ResponseOverrides.AtGate.ALERT_ONLY) {
            withheldByResponse = List.copyOf(containment);
            containment.clear();
        }
        List<Revocation> softened = new ArrayList<>();
        containment.replaceAll(r -> softenedForAllowListedNetwork(r, softened));
        List<Revocation> wouldIssue = List.of();
        if (controls.mode() == DetectorMode.AUDIT) {
            wouldIssue = List.copyOf(containment);
            containment.clear();
        }
        Alert alert = annotated(detection.alert(), finding, containment, wouldIssue, withheldByResponse, softened);
        listener.gated(finding.rule(), GateOutcome.PUBLISHED);
        if (!wouldIssue.isEmpty()) {
            listener.wouldIssue(finding.rule(), wouldIssue);
        }
        context.forward(record.withValue(new Detection(alert, containment)));
    }

    /** The first control that silences the finding entirely, if any (see the class comment for the order). */
    private Optional<GateOutcome> silencedBy(Finding finding) {
        if (controls.responses().atGate(finding.rule(), finding.severity()) == ResponseOverrides.AtGate.OBSERVE) {
            return Optional.of(GateOutcome.OBSERVED);
        }
        if (finding.iss() != null) {
            Optional<Suppression> suppression = suppressions.covering(finding.rule(), finding.iss(), finding.sub(),
                    context.currentSystemTimeMs());
            if (suppression.isPresent()) {
                return Optional.of(GateOutcome.SUPPRESSED);
            }
            if (controls.subjects().matching(finding.rule(), finding.iss(), finding.sub()).isPresent()) {
                return Optional.of(GateOutcome.ALLOW_LISTED_SUBJECT);
            }
        }
        if (isExplainedByAllowListedNetworks(finding)) {
            return Optional.of(GateOutcome.ALLOW_LISTED_NETWORK);
        }
        return Optional.empty();
    }

    private boolean isExplainedByAllowListedNetworks(Finding finding) {
        RuleSets.NetworkWeighing weighing = RuleSets.NETWORK_DEPENDENT.get(finding.rule());
        if (weighing == null || controls.networks().isEmpty() || finding.cited().isEmpty()) {
            return false;
        }
        return switch (weighing) {
            case ANY_CITED -> finding.cited().stream().anyMatch(this::isAllowListed);
            case ALL_CITED -> finding.cited().stream().allMatch(this::isAllowListed);
        };
    }

    private boolean isAllowListed(Finding.Cited cited) {
        return controls.networks().containsAddress(cited.ip()) || controls.networks().containsAsn(cited.asn());
    }

    private Revocation softenedForAllowListedNetwork(Revocation r, List<Revocation> softened) {
        if (r.scope() != Revocation.Scope.IP || r.action() != Revocation.Action.BLOCK
                || !controls.networks().containsNetwork(r.value())) {
            return r;
        }
        Revocation throttle = new Revocation(r.schemaVersion(), r.scope(), r.issuer(), r.value(),
                Revocation.Action.THROTTLE, r.notBefore(), r.expiresAt(),
                r.reason() + " (throttled rather than blocked: allow-listed network)", r.source(), r.createdAt());
        softened.add(throttle);
        return throttle;
    }

    private Alert annotated(Alert alert, Finding finding, List<Revocation> issued, List<Revocation> wouldIssue,
                            List<Revocation> withheldByResponse, List<Revocation> softened) {
        Map<String, Object> unmapped = new LinkedHashMap<>(alert.unmapped());
        Map<String, Object> response = new LinkedHashMap<>();
        if (unmapped.get("response") instanceof Map<?, ?> existing) {
            existing.forEach((k, v) -> response.put(String.valueOf(k), v));
        }
        response.put("mode", controls.mode().wire());
        response.put("issued", describe(issued));
        if (controls.mode() == DetectorMode.AUDIT) {
            response.put("would_issue", describe(wouldIssue));
        }
        if (!withheldByResponse.isEmpty()) {
            response.put("withheld_by_response", describe(withheldByResponse));
        }
        if (!softened.isEmpty()) {
            response.put("throttled_not_blocked", softened.stream().map(Revocation::key).toList());
        }
        unmapped.put("response", response);
        unmapped.put("silence", Silence.forFinding(finding));
        String message = alert.message();
        if (!wouldIssue.isEmpty()) {
            message = (message == null ? "" : message + " ") + "[audit mode: nothing was contained; enforce mode "
                    + "would have issued " + String.join(", ", wouldIssue.stream().map(r -> r.action().wire() + " "
                    + r.key()).toList()) + "]";
        }
        return new Alert(alert.activityId(), alert.activityName(), alert.categoryUid(), alert.categoryName(),
                alert.classUid(), alert.className(), alert.typeUid(), alert.severityId(), alert.severity(),
                alert.time(), message, alert.isAlert(), alert.metadata(), alert.findingInfo(), alert.actor(),
                alert.evidences(), alert.anomalyAnalyses(), unmapped);
    }

    /** Revocations as {@code unmapped.response} lists them (the rules' own form). */
    static List<Map<String, Object>> describe(List<Revocation> revocations) {
        return Findings.revocations(revocations);
    }

    /**
     * What the gate reads from an alert: the rule, severity, the verified subject (from {@code actor.user},
     * which rules fill only for a verified subject), and the networks it cites (each evidence's
     * {@code src_endpoint.ip} with the {@code asn} the evidence's data carries, if any).
     */
    record Finding(String uid, String rule, Alert.Severity severity, String iss, String sub, List<Cited> cited) {

        record Cited(String ip, Long asn) {
        }

        static Finding of(Alert alert) {
            Alert.Analytic analytic = alert.findingInfo().analytic();
            String rule = analytic != null && analytic.name() != null ? analytic.name()
                    : alert.findingInfo().types().isEmpty() ? "unknown" : alert.findingInfo().types().get(0);
            Alert.Severity severity = null;
            for (Alert.Severity s : Alert.Severity.values()) {
                if (s.id == alert.severityId()) {
                    severity = s;
                }
            }
            String iss = null;
            String sub = null;
            if (alert.actor() != null && alert.actor().user() != null && alert.actor().user().domain() != null
                    && alert.actor().user().name() != null && !RuleSets.UNVERIFIED_SIGNAL.contains(rule)) {
                iss = alert.actor().user().domain();
                sub = alert.actor().user().name();
            }
            Set<Cited> cited = new LinkedHashSet<>();
            for (Alert.Evidence evidence : alert.evidences()) {
                if (evidence.srcEndpoint() != null && evidence.srcEndpoint().ip() != null) {
                    Object asn = evidence.data() == null ? null : evidence.data().get("asn");
                    cited.add(new Cited(evidence.srcEndpoint().ip(), asn instanceof Number n ? n.longValue() : null));
                }
            }
            return new Finding(alert.findingInfo().uid(), rule, severity, iss, sub, List.copyOf(cited));
        }

        String subjectKey() {
            return iss == null ? "(no verified subject)" : iss + "|" + sub;
        }

        /** The project's one definition of a client network (/24, /48) of each cited address. */
        List<String> citedNetworks() {
            Set<String> networks = new LinkedHashSet<>();
            for (Cited c : cited) {
                networks.add(ClientNetwork.of(c.ip()));
            }
            return List.copyOf(networks);
        }

        boolean isForgery() {
            return ForgedTokenBurstRule.NAME.equals(rule);
        }
    }
}
