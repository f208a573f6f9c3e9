package io.tokenwatch.benchmarks;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * Runs no benchmark: checks that what FilterBenchmark measures is the success path on every
 * verifier, so a broken fixture fails the build instead of producing fast, meaningless figures.
 */
class FilterFixtureTest {

    @ParameterizedTest
    @EnumSource(SigningAlgorithm.class)
    void shouldAcceptEveryTokenOnEveryPath(SigningAlgorithm alg) {
        try (FilterFixture fixture = FilterFixture.create(alg, 16)) {
            assertThatCode(fixture::requireEveryPathAccepts).doesNotThrowAnyException();
            assertThat(fixture.nimbus()).as("Nimbus decoder for " + alg).isPresent();
            assertThat(fixture.revocationCount()).isEqualTo(FilterFixture.UNRELATED_REVOCATIONS);
        }
    }

    @Test
    void shouldAnswerARepeatedTokenFromTheCacheOnlyInTheCachingFilter() {
        try (FilterFixture fixture = FilterFixture.create(SigningAlgorithm.HS256, 4)) {
            fixture.coldFilter().check(fixture.request(0));
            fixture.coldFilter().check(fixture.request(0));
            assertThat(fixture.cache().hitCount() + fixture.cache().missCount()).isZero();

            fixture.cachingFilter().check(fixture.request(0));
            fixture.cachingFilter().check(fixture.request(0));
            assertThat(fixture.cache().missCount()).isEqualTo(1);
            assertThat(fixture.cache().hitCount()).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @EnumSource(SigningAlgorithm.class)
    void shouldSignDistinctTokensOfRealisticSize(SigningAlgorithm alg) {
        try (FilterFixture fixture = FilterFixture.create(alg, 16)) {
            assertThat(fixture.token(0)).isNotEqualTo(fixture.token(1));
            assertThat(fixture.token(0).length()).isBetween(300, 800);
        }
    }

    @Test
    void shouldFindTinkForNimbusEdDsa() {
        assertThat(SpringNimbusDecoders.tinkPresent()).isTrue();
    }
}
