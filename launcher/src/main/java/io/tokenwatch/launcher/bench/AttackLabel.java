package io.tokenwatch.launcher.bench;

import java.util.Objects;
import java.util.Set;

/**
 * Ground truth for one injected attack: what it was, whom it targeted, and by what the detector's
 * output can be matched to it. Immutable.
 *
 * @param type            the attack
 * @param victimKey       subject key {@code iss|sub} of the victim (for a forged flood: the subject the
 *                        forged tokens name, which must come to no harm)
 * @param victimSub       the victim's {@code sub}
 * @param attackerIps     addresses the malicious requests came from
 * @param jtis            token ids the malicious requests carried (stolen, replayed or the script's own)
 * @param firstMalicious  event time of the first malicious request, epoch ms
 * @param lastMalicious   event time of the last malicious request, epoch ms
 * @param events          malicious requests injected
 */
public record AttackLabel(AttackType type, String victimKey, String victimSub, Set<String> attackerIps,
                          Set<String> jtis, long firstMalicious, long lastMalicious, int events) {

    public AttackLabel {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(victimKey, "victimKey");
        attackerIps = Set.copyOf(attackerIps);
        jtis = Set.copyOf(jtis);
        if (lastMalicious < firstMalicious || events < 1) {
            throw new IllegalArgumentException("an attack has at least one request, the last not before the first");
        }
    }
}
