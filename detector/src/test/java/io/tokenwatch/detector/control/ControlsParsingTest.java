package io.tokenwatch.detector.control;

import io.tokenwatch.schemas.Alert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What operators write: responses, allow-list entries and the controls file, and the errors they get. */
class ControlsParsingTest {

    @TempDir
    Path dir;

    @Test
    void shouldNameTheBadRuleActionOrSeverity() {
        assertThatThrownBy(() -> ResponseOverrides.parse(List.of("impossible_trvel=alert")))
                .hasMessageContaining("unknown rule 'impossible_trvel'").hasMessageContaining("impossible_travel");
        assertThatThrownBy(() -> ResponseOverrides.parse(List.of("rate_spike=nuke")))
                .hasMessageContaining("unknown action 'nuke'").hasMessageContaining("revoke_token");
        assertThatThrownBy(() -> ResponseOverrides.parse(List.of("rate_spike:dire=alert")))
                .hasMessageContaining("unknown severity 'dire'");
        assertThatThrownBy(() -> ResponseOverrides.parse(List.of("rate_spike")))
                .hasMessageContaining("RULE[:SEVERITY]=ACTIONS");
        assertThatThrownBy(() -> ResponseOverrides.parse(List.of("rate_spike=observe,alert")))
                .hasMessageContaining("observe means nothing else");
        assertThatThrownBy(() -> ResponseOverrides.parse(List.of("token_replay=revoke_subject")))
                .hasMessageContaining("'token_replay' decides its own containment");
    }

    @Test
    void shouldReadThrottleAsTheSubjectThrottleAndLetALaterEntryWin() {
        ResponseOverrides overrides = ResponseOverrides.parse(List.of("rate_spike=alert", "rate_spike=throttle",
                "rate_spike:low=observe"));

        assertThat(overrides.entries()).extracting(ResponseOverrides.Entry::written)
                .containsExactly("rate_spike=throttle_subject", "rate_spike:low=observe");
        assertThat(overrides.atGate("rate_spike", Alert.Severity.LOW)).isEqualTo(ResponseOverrides.AtGate.OBSERVE);
        assertThat(overrides.atGate("rate_spike", Alert.Severity.HIGH)).isEqualTo(ResponseOverrides.AtGate.AS_DECIDED);
    }

    @Test
    void shouldMatchAddressesInCidrsOfBothFamiliesAndAsNumbers() {
        NetworkAllowList list = NetworkAllowList.of(List.of("10.20.0.0/14", "2001:db8::/32", "198.51.100.7", "as64500"));

        assertThat(list.containsAddress("10.23.255.1")).isTrue();
        assertThat(list.containsAddress("10.24.0.1")).isFalse();
        assertThat(list.containsAddress("2001:db8:1::9")).isTrue();
        assertThat(list.containsAddress("2001:db9::1")).isFalse();
        assertThat(list.containsAddress("198.51.100.7")).isTrue();
        assertThat(list.containsAddress("198.51.100.8")).isFalse();
        assertThat(list.containsAddress("not-an-ip.example")).as("never resolved").isFalse();
        assertThat(list.containsNetwork("10.21.0.0/16")).isTrue();
        assertThat(list.containsNetwork("10.0.0.0/8")).as("wider than the entry").isFalse();
        assertThat(list.containsAsn(64500L)).isTrue();
        assertThat(list.entries()).contains("AS64500");
        assertThatThrownBy(() -> NetworkAllowList.of(List.of("office.example.com")))
                .hasMessageContaining("'office.example.com' is not a CIDR, an IP address or AS<number>");
    }

    @Test
    void shouldRefuseSubjectEntriesThatAreNotSubjectKeysOrNameUnverifiedRules() {
        assertThatThrownBy(() -> SubjectAllowList.of(List.of("svc-backup"), List.of()))
                .hasMessageContaining("write the subject key iss|sub");
        assertThatThrownBy(() -> SubjectAllowList.of(List.of("https://i|svc=forged_token_burst"), List.of()))
                .hasMessageContaining("cannot be allow-listed");
        assertThatThrownBy(() -> SubjectAllowList.of(List.of(), List.of("https://i*")))
                .hasMessageContaining("issuers are matched exactly");
        assertThat(SubjectAllowList.of(List.of("https://i|svc"), List.of()).entries().get(0).rules())
                .containsExactlyInAnyOrderElementsOf(RuleSets.BEHAVIOUR);
    }

    @Test
    void shouldReadTheControlsFile() throws Exception {
        Path file = dir.resolve("controls.yaml");
        Files.writeString(file, """
                mode: enforce
                responses:
                  - impossible_travel=alert
                allow_networks:
                  - 10.20.0.0/16   # office NAT
                  - AS64500
                allow_subjects:
                  - https://idp.example.com|svc-*=rate_spike
                allow_issuers:
                  - https://ci.example.com
                """);

        ControlsFile.Content content = ControlsFile.read(file);

        assertThat(content.mode()).isEqualTo(DetectorMode.ENFORCE);
        assertThat(content.responses()).containsExactly("impossible_travel=alert");
        assertThat(content.networks()).containsExactly("10.20.0.0/16", "AS64500");
        assertThat(content.subjects()).containsExactly("https://idp.example.com|svc-*=rate_spike");
        assertThat(content.issuers()).containsExactly("https://ci.example.com");
    }

    @Test
    void shouldRefuseAMisspeltKeyInTheControlsFile() throws Exception {
        Path file = dir.resolve("controls.yaml");
        Files.writeString(file, "allow_network:\n  - 10.0.0.0/8\n");

        assertThatThrownBy(() -> ControlsFile.read(file)).hasMessageContaining("unknown key(s) [allow_network]")
                .hasMessageContaining(file.toString());
    }
}
