package io.tokenwatch.detector.control;

import io.tokenwatch.detector.topology.DetectionListener;
import io.tokenwatch.schemas.Suppression;
import io.tokenwatch.schemas.Topics;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;

/**
 * Keeps the global store {@link Suppressions#STORE} equal to the readable part of
 * {@code tokenwatch.suppressions}: a readable value under its own key replaces what was there, a
 * tombstone deletes it, and anything else (unreadable bytes, a value whose {@code rule|iss|sub} is not
 * its key) deletes it too and is counted, never thrown: see {@link Suppressions}. It runs again over
 * the topic when the store is restored, which gives the same result.
 *
 * <p>Not thread-safe; the global stream thread owns the one instance.
 */
final class SuppressionsUpdater implements Processor<String, byte[], Void, Void> {

    private static final Logger LOG = LoggerFactory.getLogger(SuppressionsUpdater.class);

    private final DetectionListener listener;
    /** Suppression key → the bytes of the readable suppression under it; absent once lifted. */
    private KeyValueStore<String, byte[]> latest;

    SuppressionsUpdater(DetectionListener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.latest = context.getStateStore(Suppressions.STORE);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        if (record.key() == null) {
            reject(null, "a record without a key");
            return;
        }
        if (record.value() == null) {
            latest.delete(record.key());
            return;
        }
        Suppression suppression;
        try {
            suppression = Topics.SUPPRESSIONS.valueSerde().deserializer().deserialize(Topics.SUPPRESSIONS.name(),
                    record.value());
        } catch (SerializationException e) {
            // The serde's message names the problem, never the bytes.
            reject(record.key(), e.getMessage());
            return;
        }
        if (!suppression.key().equals(record.key())) {
            reject(record.key(), "its rule|iss|sub is " + suppression.key());
            return;
        }
        latest.put(record.key(), record.value());
    }

    private void reject(String key, String why) {
        if (key != null) {
            // Whatever was suppressed under this key can no longer be shown to be meant: alert again.
            latest.delete(key);
        }
        LOG.warn("ignored a record on {} under key {}: {}; findings under that key are no longer suppressed",
                Topics.SUPPRESSIONS.name(), key, why);
        listener.suppressionRejected();
    }
}
