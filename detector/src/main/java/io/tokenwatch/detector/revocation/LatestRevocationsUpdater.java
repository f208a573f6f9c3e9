package io.tokenwatch.detector.revocation;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps the global store {@link LatestRevocations#STORE} equal to {@code tokenwatch.revocations}: each
 * record replaces the value under its key, a tombstone deletes it. Bytes are stored unparsed (see
 * {@link LatestRevocations}), so nothing on the topic can make this processor fail. It also replays
 * the topic when the store is restored, which gives the same result.
 *
 * <p>Not thread-safe; the global stream thread owns the one instance.
 */
final class LatestRevocationsUpdater implements Processor<String, byte[], Void, Void> {

    /** Revocation key → the bytes of the latest value under it; absent once lifted. */
    private KeyValueStore<String, byte[]> latest;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.latest = context.getStateStore(LatestRevocations.STORE);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        if (record.key() == null) {
            // No filter can match a record without a key, and the store cannot hold one.
            return;
        }
        if (record.value() == null) {
            latest.delete(record.key());
        } else {
            latest.put(record.key(), record.value());
        }
    }
}
