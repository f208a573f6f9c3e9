package io.tokenwatch.launcher.bench;

import io.tokenwatch.schemas.TokenUsageEvent;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A generated stream with its ground truth. Immutable.
 *
 * @param scenario      what was simulated
 * @param events        every event, in event-time order
 * @param attacks       the injected attacks
 * @param userKeys      subject key of every simulated user
 * @param travellers    users who took a legitimate trip in the evaluation window
 * @param newDevices    users who started using a new phone in the evaluation window
 * @param subjectOfJti  token id → subject key of the user it was issued to (attackers' tokens included)
 */
public record LabelledTraffic(Scenario scenario, List<TokenUsageEvent> events, List<AttackLabel> attacks,
                              List<String> userKeys, Set<String> travellers, Set<String> newDevices,
                              Map<String, String> subjectOfJti) {

    public LabelledTraffic {
        events = List.copyOf(events);
        attacks = List.copyOf(attacks);
        userKeys = List.copyOf(userKeys);
        travellers = Set.copyOf(travellers);
        newDevices = Set.copyOf(newDevices);
        subjectOfJti = Map.copyOf(subjectOfJti);
    }
}
