package io.tokenwatch.benchmarks;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GatewayLoadSettingsTest {

    @Test
    void shouldDefaultToEightConnectionsSixRoundsOfTenSecondsAfterTwentySecondsWarmUp() {
        assertThat(GatewayLoad.Settings.parse(new String[0]))
                .isEqualTo(new GatewayLoad.Settings(8, 6, 20, 10, 0));
    }

    @Test
    void shouldReadEveryOption() {
        assertThat(GatewayLoad.Settings.parse(new String[] {"--connections", "16", "--rounds", "8", "--warmup", "30s",
                "--round", "15", "--event-buffer", "1"})).isEqualTo(new GatewayLoad.Settings(16, 8, 30, 15, 1));
    }

    @Test
    void shouldRefuseUnknownOptionsMissingValuesAndTooFewRounds() {
        assertThatThrownBy(() -> GatewayLoad.Settings.parse(new String[] {"--threads", "4"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown option --threads");
        assertThatThrownBy(() -> GatewayLoad.Settings.parse(new String[] {"--rounds"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--rounds needs a value");
        // One round cannot compare the two gateways.
        assertThatThrownBy(() -> GatewayLoad.Settings.parse(new String[] {"--rounds", "1"}))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
