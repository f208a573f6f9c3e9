package io.tokenwatch.launcher;

import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo's story end to end, on the in-process broker with the real gateway: every attack is
 * detected by its rule and contained, the stolen tokens stop working, the forged tokens revoke
 * nobody, and no benign user is alerted.
 */
class DemoStoryTest {

    @Test
    void shouldDetectAndContainEveryAttackWithoutHarmingTheForgeryVictim() throws Exception {
        StringWriter printed = new StringWriter();
        DemoStory.Result result = new DemoStory(new DemoStory.Settings(6, StreamsConfig.EXACTLY_ONCE_V2),
                new PrintWriter(printed)).run();

        assertThat(result.failures()).as(printed.toString()).isEmpty();
        assertThat(result.passed()).isTrue();
        assertThat(result.learningRequests()).isEqualTo(6 * DemoStory.LEARNING_REQUESTS_PER_USER);
        List<DemoStory.AttackOutcome> attacks = result.attacks();
        assertThat(attacks).hasSize(4).allSatisfy(attack -> {
            assertThat(attack.detected()).as(attack.attack()).isTrue();
            assertThat(attack.alertMillis()).as(attack.attack()).isNotNull();
            assertThat(attack.containMillis()).as(attack.attack()).isNotNull();
        });

        DemoStory.AttackOutcome stolen = attacks.get(0);
        assertThat(stolen.rule()).containsAnyOf("impossible_travel", "concurrent_use", "new_context");
        assertThat(stolen.containment()).isEqualTo("token revoked");
        assertThat(stolen.before()).isEqualTo(200);
        assertThat(stolen.after()).isEqualTo(401);

        DemoStory.AttackOutcome replay = attacks.get(1);
        assertThat(replay.rule()).isEqualTo("token_replay");
        assertThat(replay.containment()).isEqualTo("token revoked");
        assertThat(replay.after()).isEqualTo(401);

        DemoStory.AttackOutcome forged = attacks.get(2);
        assertThat(forged.rule()).isEqualTo("forged_token_burst");
        assertThat(forged.containment()).isEqualTo("IP 100.80.1.9 blocked");
        assertThat(forged.before()).as("the victim's own token before the flood").isEqualTo(200);
        assertThat(forged.after()).as("the victim's own token after the flood").isEqualTo(200);

        DemoStory.AttackOutcome scraping = attacks.get(3);
        assertThat(scraping.rule()).isEqualTo("rate_spike");
        assertThat(scraping.containment()).isEqualTo("subject throttled");
        assertThat(scraping.after()).isEqualTo(429);

        assertThat(result.alerts()).anyMatch(line -> line.contains("forged_token_burst") && line.contains("100.80.1.9"))
                .noneMatch(line -> line.contains("|carol") || line.contains("|erin") || line.contains("|frank"));
        assertThat(printed.toString()).contains("learning [########################################] 72 requests")
                .contains("forged tokens naming carol revoked carol? no");
        assertThat(String.join("\n", DemoStory.summary(result)))
                .contains("(d) scraping spike").contains("200 → 401  (alice)").contains("200 → 200  (carol, the victim)");
    }
}
