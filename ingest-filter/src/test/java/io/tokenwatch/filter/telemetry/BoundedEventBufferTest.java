package io.tokenwatch.filter.telemetry;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class BoundedEventBufferTest {

    @Test
    void shouldHandEveryOfferedItemToTheHandlerInOrder() {
        List<Integer> seen = new CopyOnWriteArrayList<>();
        try (BoundedEventBuffer<Integer> buffer = new BoundedEventBuffer<>(1000, "t", seen::add)) {
            for (int i = 0; i < 500; i++) {
                assertThat(buffer.offer(i)).isTrue();
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 500);
        }
        assertThat(seen).isSorted().hasSize(500);
    }

    @Test
    void shouldDropAndCountInsteadOfBlockingWhenFull() throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        BoundedEventBuffer<Integer> buffer = new BoundedEventBuffer<>(2, "t", item -> {
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        int accepted = 0;
        for (int i = 0; i < 100; i++) {
            accepted += buffer.offer(i) ? 1 : 0;
        }
        // The handler holds at most one batch; the queue holds at most its capacity.
        assertThat(buffer.droppedCount()).isEqualTo(100 - accepted).isPositive();
        release.countDown();
        buffer.close(Duration.ofSeconds(5));
        assertThat(buffer.offer(1)).as("closed").isFalse();
    }

    @Test
    void shouldKeepDrainingWhenTheHandlerThrows() {
        List<Integer> seen = new CopyOnWriteArrayList<>();
        try (BoundedEventBuffer<Integer> buffer = new BoundedEventBuffer<>(100, "t", item -> {
            if (item == 2) {
                throw new IllegalStateException("boom");
            }
            seen.add(item);
        })) {
            for (int i = 0; i < 5; i++) {
                buffer.offer(i);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 4);
            assertThat(buffer.failedCount()).isEqualTo(1);
        }
        assertThat(seen).containsExactly(0, 1, 3, 4);
    }
}
