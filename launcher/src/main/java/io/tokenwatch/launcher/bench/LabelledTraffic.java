package io.tokenwatch.launcher.bench;

import io.tokenwatch.schemas.TokenUsageEvent;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A generated stream with its ground truth. Immutable (the collections are copied once; a 14-day
 * stream holds hundreds of thousands of events, so nothing else copies them).
 *
 * @param scenario       what was simulated
 * @param events         every event, in event-time order
 * @param attacks        the injected attacks
 * @param behaviours     subject key of every simulated person and service account → its benign
 *                       behaviours ({@link BenignBehaviour#ALL} included); attacked subjects are here
 *                       too, the report sets them apart
 * @param usersByAddress client address → subject keys of the simulated users whose own (benign)
 *                       requests came from it, claimed subjects of rejected tokens included
 * @param subjectOfJti   token id → subject key of the user it was issued to (attackers' tokens included)
 * @param maliciousEvents event ids of the attackers' requests (scraping from a victim's own device shares
 *                       the victim's address, device and tokens, so only the id tells them apart)
 */
public record LabelledTraffic(Scenario scenario, List<TokenUsageEvent> events, List<AttackLabel> attacks,
                              Map<String, Set<BenignBehaviour>> behaviours, Map<String, Set<String>> usersByAddress,
                              Map<String, String> subjectOfJti, Set<String> maliciousEvents) {

    public LabelledTraffic {
        events = List.copyOf(events);
        attacks = List.copyOf(attacks);
        behaviours = Map.copyOf(behaviours);
        usersByAddress = Map.copyOf(usersByAddress);
        subjectOfJti = Map.copyOf(subjectOfJti);
        maliciousEvents = Set.copyOf(maliciousEvents);
    }

    /** Subject keys of the simulated users who have {@code behaviour}. */
    public Set<String> usersWith(BenignBehaviour behaviour) {
        return behaviours.entrySet().stream().filter(e -> e.getValue().contains(behaviour)).map(Map.Entry::getKey)
                .collect(java.util.stream.Collectors.toSet());
    }
}
