package io.tokenwatch.launcher.bench;

import java.util.Objects;
import java.util.Set;

/**
 * Ground truth for one injected attack: what it was, whom it targeted, when, and what identifies it
 * in the detector's output (the victim's subject key, the token ids, the attacker's addresses).
 * Immutable.
 *
 * @param type           the attack
 * @param victimKey      subject key {@code iss|sub} of the victim (for a forged flood: the subject the
 *                       forged tokens name, who must come to no harm; for a long-lived token: the
 *                       never-seen subject it names)
 * @param victimSub      the victim's {@code sub}
 * @param attackerIps    addresses the malicious requests came from (for scraping from the victim's own
 *                       device, the victim's own address)
 * @param jtis           token ids the malicious requests carried (stolen, replayed, forged or the script's own)
 * @param firstMalicious event time of the first malicious request, epoch ms
 * @param lastMalicious  event time of the last malicious request, epoch ms
 * @param events         malicious requests injected
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
