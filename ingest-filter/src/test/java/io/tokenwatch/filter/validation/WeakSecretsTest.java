package io.tokenwatch.filter.validation;

import io.tokenwatch.filter.conformance.SharedFiles;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class WeakSecretsTest {

    private static final Path SHARED_LIST = SharedFiles.resolve("data/weak-hmac-secrets/jwt.secrets.list");

    @Test
    void shouldShipExactlyTheLinesOfTheSharedList() throws IOException {
        List<String> shared = lines(Files.readAllBytes(SHARED_LIST));
        List<String> shipped;
        try (InputStream in = WeakSecrets.class.getResourceAsStream(WeakSecrets.RESOURCE)) {
            assertThat(in).as("shipped resource %s", WeakSecrets.RESOURCE).isNotNull();
            shipped = lines(new GZIPInputStream(in).readAllBytes());
        }

        assertThat(shared).hasSize(103_979);
        assertThat(new HashSet<>(shipped)).isEqualTo(new HashSet<>(shared));
        assertThat(WeakSecrets.size()).isEqualTo(new HashSet<>(shared).size());
    }

    @Test
    void shouldShipTheListsLicenceNextToIt() throws IOException {
        try (InputStream in = WeakSecrets.class.getResourceAsStream("weak-hmac-secrets.LICENSE")) {
            assertThat(in).isNotNull();
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(
                    Files.readString(SHARED_LIST.resolveSibling("LICENSE"))).contains("MIT License", "Wallarm");
        }
    }

    @Test
    void shouldFindEveryLineOfTheSharedList() throws IOException {
        for (String line : lines(Files.readAllBytes(SHARED_LIST))) {
            assertThat(WeakSecrets.contains(line.getBytes(StandardCharsets.UTF_8))).as(line).isTrue();
        }
    }

    @Test
    void shouldRefuseHmacSecretsTakenFromTheListWithoutEchoingThem() throws IOException {
        List<String> longEnough = lines(Files.readAllBytes(SHARED_LIST)).stream()
                .filter(line -> line.getBytes(StandardCharsets.UTF_8).length >= 64).toList();
        for (String line : List.of(longEnough.get(0), longEnough.get(longEnough.size() / 2),
                longEnough.get(longEnough.size() - 1))) {
            byte[] secret = line.getBytes(StandardCharsets.UTF_8);
            for (String alg : List.of("HS256", "HS384", "HS512")) {
                assertThatIllegalArgumentException().as(alg).isThrownBy(() -> KeyBinding.hmac("k", alg, secret))
                        .withMessageContaining("leaked").withMessageNotContaining(line);
            }
        }
    }

    @Test
    void shouldFindASecretWhoseTextEncodingIsListed() throws IOException {
        // RFC 7515 A.1's example key is listed as its base64url text; configured decoded, it is as public.
        byte[] decoded = Base64.getUrlDecoder()
                .decode("AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
        String hexLine = lines(Files.readAllBytes(SHARED_LIST)).stream()
                .filter(line -> line.matches("([0-9a-f]{2}){32,}")).findFirst().orElseThrow();
        byte[] hexDecoded = HexFormat.of().parseHex(hexLine);

        assertThat(WeakSecrets.contains(decoded)).isFalse();
        assertThat(WeakSecrets.isLeaked(decoded)).isTrue();
        assertThat(WeakSecrets.contains(hexDecoded)).isFalse();
        assertThat(WeakSecrets.isLeaked(hexDecoded)).isTrue();
    }

    @Test
    void shouldAcceptRandomSecrets() {
        SecureRandom random = new SecureRandom();
        Set<Boolean> verdicts = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            byte[] secret = new byte[32];
            random.nextBytes(secret);
            verdicts.add(WeakSecrets.isLeaked(secret));
        }

        assertThat(verdicts).containsExactly(false);
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        assertThat(KeyBinding.hmac("random", "HS256", secret).algorithm()).isEqualTo("HS256");
    }

    /** Lines as the upstream file writes them: CRLF-terminated UTF-8. */
    private static List<String> lines(byte[] text) {
        String all = new String(text, StandardCharsets.UTF_8);
        assertThat(all).endsWith("\r\n");
        return List.of(all.substring(0, all.length() - 2).split("\r\n", -1));
    }
}
