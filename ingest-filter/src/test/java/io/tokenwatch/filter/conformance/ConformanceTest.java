package io.tokenwatch.filter.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenwatch.filter.validation.IssuerPolicy;
import io.tokenwatch.filter.validation.JwkKeys;
import io.tokenwatch.filter.validation.KeyBinding;
import io.tokenwatch.filter.validation.KeyRing;
import io.tokenwatch.filter.validation.SignatureCheck;
import io.tokenwatch.filter.validation.TokenValidator;
import io.tokenwatch.schemas.Outcome;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the shared conformance material ({@code ../shared/conformance}, see its README) through the
 * validator's real signature layer, {@link TokenValidator#verifySignatureOnly}: keys come from each
 * case's JWK through {@link JwkKeys}, bound to their algorithm, and every token goes through the same
 * header rules and jjwt verification {@link TokenValidator#validate} uses. Payloads are mostly not
 * claim sets, which is why the signature layer is tested alone.
 *
 * <p>Every {@code invalid} case must be rejected and every {@code valid} case accepted, except the
 * {@link #EXCEPTIONS documented exceptions}: cases that need a feature this compact-only validator
 * refuses on purpose, or whose vector is defective upstream. Each exception states the behaviour we
 * expect instead and is checked for it, so an exception is never a skip. A table of counts per file
 * is printed at the end.
 */
class ConformanceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WYCHEPROOF_JWS = "wycheproof/testvectors_v1/json_web_signature_test.json";
    private static final String WYCHEPROOF_JWK = "wycheproof/testvectors_v1/json_web_key_test.json";
    private static final String COOKBOOK = "jose-cookbook";
    private static final String RFC7515 = "rfc7515-examples/rfc7515_rfc8037_examples.json";

    private static final Clock NOW = Clock.fixed(Instant.parse("2026-03-01T12:00:00Z"), ZoneOffset.UTC);
    /** RFC 7515 A.1–A.3 carry exp 1300819380 (2011-03-22T18:43:00Z); the README asks for a clock before it. */
    private static final Clock BEFORE_2011_EXAMPLES_EXPIRE = Clock.fixed(Instant.parse("2011-03-22T00:00:00Z"),
            ZoneOffset.UTC);

    private enum Expect { ACCEPT, REJECT }

    /** A case whose result differs from its label, the behaviour we hold it to instead, and why. */
    private record Documented(Expect expect, String reason) {
    }

    private static final String JSON_SERIALIZATION = "JSON serialization (RFC 7515 §7.2) refused: compact only, so no"
            + " unprotected headers (Wycheproof json_web_crypto.md, 'JWE/JWS JSON Serialization')";
    private static final String MULTIPLE_SIGNATURES = "several signatures in JSON serialization (RFC 7515 §7.2.1)"
            + " refused: compact only, one signature, no question of which one verified";
    private static final String ES521 = "key JWK says \"alg\": \"ES521\", which no registry defines (RFC 7518 §3.1"
            + " has ES512 for P-521); JwkKeys refuses the key. With the alg corrected the signature verifies"
            + " (shouldVerifyRfc7520Figure27OnceItsKeyNamesEs512)";
    private static final String PS256_KEY_PS384_TOKEN = "key JWK says \"alg\": \"PS256\" but the JWS is PS384 (RFC 7520"
            + " §4.2 signs with PS384); a key is bound to one algorithm (RFC 8725 §3.1), so this is refused."
            + " The cookbook's own copy of the example, key without alg, passes";
    private static final String SAME_AS_357 = "byte-identical to tcId 357, which is valid: the padding this case is"
            + " named for was lost upstream, so no verifier can reject it and accept 357"
            + " (shouldFindThePaddingVectorsIdenticalToTheValidOne)";
    private static final String INSERTED_CHARACTER = "labelled valid upstream, but '?' is outside the base64url"
            + " alphabet (RFC 7515 §5.2 steps 2 and 6) and the MAC over the signing input as received does not"
            + " match (shouldFindTheInsertedCharacterVectorsUnverifiable)";

    private static final String LEAKED_EXAMPLE_KEY = " Its key, RFC 7515 A.1's published example secret, is refused"
            + " first as leaked; TokenValidatorTest checks the b64 refusal with a sound key";

    private static final Map<String, Documented> EXCEPTIONS = Map.ofEntries(
            entry(WYCHEPROOF_JWS + "#346", reject(PS256_KEY_PS384_TOKEN)),
            entry(WYCHEPROOF_JWS + "#350", reject(PS256_KEY_PS384_TOKEN)),
            entry(WYCHEPROOF_JWS + "#347", reject(ES521)),
            entry(WYCHEPROOF_JWS + "#351", reject(ES521)),
            entry(WYCHEPROOF_JWS + "#367", accept(SAME_AS_357)),
            entry(WYCHEPROOF_JWS + "#370", accept(SAME_AS_357)),
            entry(WYCHEPROOF_JWS + "#372", reject(INSERTED_CHARACTER)),
            entry(WYCHEPROOF_JWS + "#373", reject(INSERTED_CHARACTER)),
            entry(COOKBOOK + "#jws/4_5.signature_with_detached_content.json", reject(
                    "detached content (RFC 7515 Appendix F) refused: only what the token carries is verified")),
            entry(COOKBOOK + "#jws/4_6.protecting_specific_header_fields.json", reject(JSON_SERIALIZATION)),
            entry(COOKBOOK + "#jws/4_7.protecting_content_only.json", reject(JSON_SERIALIZATION)),
            entry(COOKBOOK + "#jws/4_8.multiple_signatures.json[0]", reject(MULTIPLE_SIGNATURES)),
            entry(COOKBOOK + "#jws/4_8.multiple_signatures.json[1]", reject(MULTIPLE_SIGNATURES)),
            entry(COOKBOOK + "#jws/4_8.multiple_signatures.json[2]", reject(MULTIPLE_SIGNATURES)),
            entry(COOKBOOK + "#rfc7797/4.2.hmac-sha2_b64_false.json", reject(
                    "b64=false (RFC 7797) in JSON serialization refused: unencoded payloads change what is signed."
                            + LEAKED_EXAMPLE_KEY)),
            entry(COOKBOOK + "#rfc7797/hmac-sha2_b64_false.json", reject(
                    "b64=false (RFC 7797) refused, and its crit is not understood (RFC 7515 §4.1.11)."
                            + LEAKED_EXAMPLE_KEY)),
            entry(RFC7515 + "#RFC7515-A.1", reject("its HMAC key is the RFC's published example"
                    + " secret, listed among leaked secrets in its base64url form; KeyBinding refuses it at start-up"
                    + " (RFC 8725 §3.5). The CRLF header it tests is covered by SignatureLayerTest")));

    /** Counts per file; printed after the last test, in the order of {@link #FILES}. */
    private static final Map<String, Tally> TALLIES = new ConcurrentHashMap<>();
    private static final List<String> FILES = List.of(WYCHEPROOF_JWS, WYCHEPROOF_JWK, COOKBOOK, RFC7515);

    @Test
    void shouldHonourEveryWycheproofJwsVector() throws IOException {
        JsonNode file = read(WYCHEPROOF_JWS);
        List<Case> cases = new ArrayList<>();
        for (JsonNode group : file.get("testGroups")) {
            String key = groupKey(group).toString();
            for (JsonNode test : group.get("tests")) {
                cases.add(new Case(WYCHEPROOF_JWS, test.get("tcId").asText(), test.get("result").asText(), key, null,
                        NOW, test.get("jws").asText()));
            }
        }

        assertThat(cases).hasSize(file.get("numberOfTests").asInt()).hasSize(401);
        assertConformance(run(WYCHEPROOF_JWS, cases));
    }

    @Test
    void shouldHonourEveryWycheproofJwkSetVector() throws IOException {
        JsonNode file = read(WYCHEPROOF_JWK);
        List<Case> cases = new ArrayList<>();
        for (JsonNode group : file.get("testGroups")) {
            String keys = groupKey(group).toString();
            for (JsonNode test : group.get("tests")) {
                cases.add(new Case(WYCHEPROOF_JWK, test.get("tcId").asText(), test.get("result").asText(), keys, null,
                        NOW, test.get("jws").asText()));
            }
        }

        assertThat(cases).hasSize(file.get("numberOfTests").asInt()).hasSize(26);
        assertConformance(run(WYCHEPROOF_JWK, cases));
    }

    @Test
    void shouldVerifyEveryJoseCookbookSignatureThatIsCompact() throws IOException {
        List<Case> cases = new ArrayList<>();
        Path root = SharedFiles.resolve("conformance/" + COOKBOOK);
        List<Path> examples;
        try (Stream<Path> files = Stream.of("jws", "rfc7797", "curve25519").map(root::resolve)
                .flatMap(ConformanceTest::jsonFiles)) {
            examples = files.sorted().toList();
        }
        for (Path example : examples) {
            String name = root.relativize(example).toString().replace('\\', '/');
            JsonNode json = JSON.readTree(example.toFile());
            JsonNode output = json.get("output");
            // What a bearer header could carry: the compact form where one exists, else the JSON form.
            String token = output.has("compact") ? output.get("compact").asText() : output.get("json").toString();
            JsonNode key = json.get("input").get("key");
            JsonNode alg = json.get("input").get("alg");
            if (key.isArray()) {
                for (int i = 0; i < key.size(); i++) {
                    cases.add(new Case(COOKBOOK, name + "[" + i + "]", "valid", key.get(i).toString(),
                            alg.get(i).asText(), NOW, token));
                }
            } else {
                cases.add(new Case(COOKBOOK, name, "valid", key.toString(), alg.asText(), NOW, token));
            }
        }

        // README: 11 examples, 13 signatures; each is a correct JOSE object.
        assertThat(examples).hasSize(11);
        assertThat(cases).hasSize(13);
        assertConformance(run(COOKBOOK, cases));
    }

    @Test
    void shouldHonourRfc7515AndRfc8037Examples() throws IOException {
        JsonNode file = read(RFC7515);
        List<Case> cases = new ArrayList<>();
        JsonNode rsaKey = null;
        for (JsonNode example : file.get("cases")) {
            if (example.get("id").asText().equals("RFC7515-A.2")) {
                rsaKey = example.get("jwk");
            }
        }
        for (JsonNode example : file.get("cases")) {
            String alg = example.get("alg").asText();
            JsonNode key = example.hasNonNull("public_jwk") ? example.get("public_jwk") : example.get("jwk");
            if (key == null || key.isNull()) {
                // A.5 is unsecured and has no key; like Wycheproof's alg-none cases, the validator holds one.
                key = rsaKey;
                alg = "RS256";
            }
            String expected = example.get("expected").asText().startsWith("valid") ? "valid" : "invalid";
            cases.add(new Case(RFC7515, example.get("id").asText(), expected, key.toString(), alg,
                    BEFORE_2011_EXAMPLES_EXPIRE, example.get("compact").asText()));
        }

        assertThat(cases).hasSize(6);
        assertConformance(run(RFC7515, cases));
    }

    @Test
    void shouldRejectEcdsaSignatureWithZeroRAndS() throws IOException {
        // CVE-2022-21449 ("psychic signatures"): Java 15-18 before the April 2022 updates accepted
        // r = s = 0 for any message and key. Java 17.0.15 is fixed; this proves it stays so here.
        JsonNode group = wycheproofGroup("SpecialCaseEs256");
        JsonNode vector = testCase(group, "rIsZero_sIsZero");
        String jws = vector.get("jws").asText();
        byte[] signature = Base64.getUrlDecoder().decode(jws.substring(jws.lastIndexOf('.') + 1));

        assertThat(vector.get("result").asText()).isEqualTo("invalid");
        assertThat(signature).hasSize(64).containsOnly(0);
        assertThat(validatorFor(groupKey(group).toString(), null, NOW).verifySignatureOnly(jws).outcome())
                .isEqualTo(Outcome.BAD_SIGNATURE);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"ES256,secp256r1,SHA256withECDSAinP1363Format,32", "ES384,secp384r1,SHA384withECDSAinP1363Format,48",
            "ES512,secp521r1,SHA512withECDSAinP1363Format,66"})
    void shouldRejectZeroRAndSOnEveryCurve(String alg, String curve, String jcaSignature, int size)
            throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec(curve));
        KeyPair pair = generator.generateKeyPair();
        TokenValidator validator = new TokenValidator(IssuerPolicy.of("https://conformance.tokenwatch.test",
                Set.of("conformance"), new KeyRing(List.of(KeyBinding.publicKey("k", alg, pair.getPublic())))), NOW);
        String signingInput = b64("{\"alg\":\"" + alg + "\",\"kid\":\"k\"}") + "." + b64("any message");
        Signature signer = Signature.getInstance(jcaSignature);
        signer.initSign(pair.getPrivate());
        signer.update(signingInput.getBytes(StandardCharsets.US_ASCII));

        String genuine = signingInput + "." + b64(signer.sign());
        String psychic = signingInput + "." + b64(new byte[2 * size]);

        assertThat(validator.verifySignatureOnly(genuine).verified()).isTrue();
        assertThat(validator.verifySignatureOnly(psychic).outcome()).isEqualTo(Outcome.BAD_SIGNATURE);
    }

    @Test
    void shouldVerifyRfc7520Figure27OnceItsKeyNamesEs512() throws IOException {
        JsonNode group = wycheproofGroup("rfc7520", "ES521");
        ObjectNode key = (ObjectNode) groupKey(group).deepCopy();
        key.put("alg", "ES512");

        SignatureCheck check = validatorFor(key.toString(), null, NOW)
                .verifySignatureOnly(testCase(group, "Figure27").get("jws").asText());

        assertThat(check.verified()).as(check.detail()).isTrue();
    }

    @Test
    void shouldFindThePaddingVectorsIdenticalToTheValidOne() throws IOException {
        JsonNode group = wycheproofGroup("base64");
        String valid = testCaseById(group, 357).get("jws").asText();

        assertThat(testCaseById(group, 357).get("result").asText()).isEqualTo("valid");
        for (int tcId : new int[] {367, 370}) {
            assertThat(testCaseById(group, tcId).get("result").asText()).isEqualTo("invalid");
            assertThat(testCaseById(group, tcId).get("jws").asText()).isEqualTo(valid);
        }
    }

    @Test
    void shouldFindTheInsertedCharacterVectorsUnverifiable() throws IOException, GeneralSecurityException {
        JsonNode group = wycheproofGroup("base64");
        byte[] secret = Base64.getUrlDecoder().decode(groupKey(group).get("k").asText());
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret, "HmacSHA256"));
        for (int tcId : new int[] {372, 373}) {
            String jws = testCaseById(group, tcId).get("jws").asText();
            int lastDot = jws.lastIndexOf('.');
            byte[] expected = mac.doFinal(jws.substring(0, lastDot).getBytes(StandardCharsets.US_ASCII));
            byte[] carried = Base64.getUrlDecoder().decode(jws.substring(lastDot + 1));

            assertThat(jws.substring(0, lastDot)).contains("?");
            assertThat(carried).isNotEqualTo(expected);
        }
    }

    @AfterAll
    static void printTable() {
        StringBuilder table = new StringBuilder("\nConformance at the signature layer")
                .append(" (TokenValidator.verifySignatureOnly)\n");
        String row = "%-56s %6s %15s %17s %11s%n";
        table.append(String.format(row, "file", "cases", "valid accepted", "invalid rejected", "exceptions"));
        Tally total = new Tally("total");
        for (String file : FILES) {
            Tally tally = TALLIES.getOrDefault(file, new Tally(file + " (not run)"));
            table.append(tally.row(row));
            total.add(tally);
        }
        table.append(total.row(row));
        Set<String> seen = new TreeSet<>();
        TALLIES.values().forEach(t -> seen.addAll(t.exceptionIds));
        if (!seen.isEmpty()) {
            table.append("\nDocumented exceptions (each checked for the behaviour stated):\n");
            for (String id : seen) {
                Documented exception = EXCEPTIONS.get(id);
                table.append("  ").append(id).append(": expect ").append(exception.expect().name().toLowerCase())
                        .append(" - ").append(exception.reason()).append('\n');
            }
        }
        System.out.println(table);
    }

    // --- harness --------------------------------------------------------------------------------

    private static Documented reject(String reason) {
        return new Documented(Expect.REJECT, reason);
    }

    private static Documented accept(String reason) {
        return new Documented(Expect.ACCEPT, reason);
    }

    /**
     * One case: the key material as JWK JSON, the algorithm to bind keys without one to (or
     * {@code null}), the clock, and the token text exactly as a bearer header would carry it.
     */
    private record Case(String file, String id, String result, String keyJson, String alg, Clock clock,
                        String token) {

        String key() {
            return file + "#" + id;
        }
    }

    private record Verdict(boolean accepted, String detail) {
    }

    private static Tally run(String file, List<Case> cases) {
        Tally tally = new Tally(file);
        for (Case c : cases) {
            tally.record(c, verdictOf(c));
        }
        TALLIES.put(file, tally);
        return tally;
    }

    private static Verdict verdictOf(Case c) {
        TokenValidator validator;
        try {
            validator = validatorFor(c.keyJson(), c.alg(), c.clock());
        } catch (IllegalArgumentException e) {
            // A key refused at configuration time: no token can verify against it.
            return new Verdict(false, "key refused: " + e.getMessage());
        }
        SignatureCheck check = validator.verifySignatureOnly(c.token());
        return new Verdict(check.verified(), check.outcome().wire() + ": " + check.detail());
    }

    private static TokenValidator validatorFor(String keyJson, String alg, Clock clock) {
        List<KeyBinding> keys = JwkKeys.parse(keyJson, alg);
        IssuerPolicy policy = IssuerPolicy.of("https://conformance.tokenwatch.test", Set.of("conformance"),
                new KeyRing(keys));
        return new TokenValidator(policy, clock);
    }

    private static void assertConformance(Tally tally) {
        assertThat(tally.failures).as("cases of %s not handled as labelled or documented", tally.file).isEmpty();
        Set<String> documented = new TreeSet<>();
        EXCEPTIONS.keySet().stream().filter(k -> k.startsWith(tally.file + "#")).forEach(documented::add);
        assertThat(tally.exceptionIds).as("documented exceptions of %s that no case matched", tally.file)
                .containsExactlyInAnyOrderElementsOf(documented);
    }

    /** Counts of one file; not thread-safe. */
    private static final class Tally {
        final String file;
        int cases;
        int valid;
        int validAccepted;
        int invalid;
        int invalidRejected;
        int acceptable;
        final List<String> exceptionIds = new ArrayList<>();
        final List<String> failures = new ArrayList<>();

        Tally(String file) {
            this.file = file;
        }

        void record(Case c, Verdict verdict) {
            cases++;
            Documented exception = EXCEPTIONS.get(c.key());
            if (exception != null) {
                exceptionIds.add(c.key());
                if (verdict.accepted() != (exception.expect() == Expect.ACCEPT)) {
                    failures.add(c.id() + " (documented exception, expected " + exception.expect() + "): "
                            + verdict.detail());
                }
                return;
            }
            switch (c.result()) {
                case "valid" -> {
                    valid++;
                    if (verdict.accepted()) {
                        validAccepted++;
                    } else {
                        failures.add(c.id() + " valid but rejected: " + verdict.detail());
                    }
                }
                case "invalid" -> {
                    invalid++;
                    if (verdict.accepted()) {
                        failures.add(c.id() + " invalid but accepted");
                    } else {
                        invalidRejected++;
                    }
                }
                // Wycheproof "acceptable": either answer is correct.
                default -> acceptable++;
            }
        }

        void add(Tally other) {
            cases += other.cases;
            valid += other.valid;
            validAccepted += other.validAccepted;
            invalid += other.invalid;
            invalidRejected += other.invalidRejected;
            acceptable += other.acceptable;
            exceptionIds.addAll(other.exceptionIds);
        }

        String row(String format) {
            return String.format(format, file, cases, validAccepted + "/" + valid, invalidRejected + "/" + invalid,
                    exceptionIds.size());
        }
    }

    // --- reading the material -------------------------------------------------------------------

    private static String b64(String text) {
        return b64(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static JsonNode read(String relative) throws IOException {
        return JSON.readTree(SharedFiles.resolve("conformance/" + relative).toFile());
    }

    /** The key material a verifier would be configured with: the public JWK, or the private one if alone. */
    private static JsonNode groupKey(JsonNode group) {
        return group.has("public") ? group.get("public") : group.get("private");
    }

    private static JsonNode wycheproofGroup(String comment, String... keyAlg) throws IOException {
        for (JsonNode group : read(WYCHEPROOF_JWS).get("testGroups")) {
            if (group.get("comment").asText().equals(comment)
                    && (keyAlg.length == 0 || keyAlg[0].equals(groupKey(group).path("alg").asText()))) {
                return group;
            }
        }
        throw new AssertionError("no Wycheproof group " + comment + " " + Arrays.toString(keyAlg));
    }

    private static JsonNode testCase(JsonNode group, String comment) {
        for (JsonNode test : group.get("tests")) {
            if (test.get("comment").asText().equals(comment)) {
                return test;
            }
        }
        throw new AssertionError("no test " + comment);
    }

    private static JsonNode testCaseById(JsonNode group, int tcId) {
        for (JsonNode test : group.get("tests")) {
            if (test.get("tcId").asInt() == tcId) {
                return test;
            }
        }
        throw new AssertionError("no tcId " + tcId);
    }

    private static Stream<Path> jsonFiles(Path dir) {
        try {
            return Files.list(dir).filter(p -> p.toString().endsWith(".json")).toList().stream();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + dir, e);
        }
    }
}
